// rtsp2-delay-proxy: a TCP proxy that delays every chunk by a fixed time in each direction, to measure how
// many round trips an RTSP client needs before its first packet. Prints "port N" once listening, then one
// line "request METHOD" for each RTSP request the client sends through it.
//
// Usage: rtsp2-delay-proxy --target-port P [--target-host 127.0.0.1] [--port 0] [--delay-ms 25]
//
// One reader and one writer thread per direction and connection: a benchmark helper, not a server.
#include <gio/gio.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  std::mutex m;
  std::condition_variable c;
  std::deque<std::pair<Clock::time_point, std::string>> chunks;
  bool closed = false;
};

// Client-to-server bytes: RTSP requests start with a method token at the start of a message; interleaved
// frames start with '$'. Good enough for counting the requests of well-behaved clients.
class RequestCounter {
 public:
  void feed(const std::string& bytes) {
    buf_ += bytes;
    for (;;) {
      if (buf_.empty()) return;
      if (buf_[0] == '$') {
        if (buf_.size() < 4) return;
        std::size_t len = (std::size_t(std::uint8_t(buf_[2])) << 8) | std::uint8_t(buf_[3]);
        if (buf_.size() < 4 + len) return;
        buf_.erase(0, 4 + len);
        continue;
      }
      auto end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::string head = buf_.substr(0, end + 4);
      std::size_t body = 0;
      auto cl = head.find("Content-Length:");
      if (cl == std::string::npos) cl = head.find("Content-length:");
      if (cl != std::string::npos) body = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
      if (buf_.size() < head.size() + body) return;
      std::printf("request %s\n", head.substr(0, head.find(' ')).c_str());
      std::fflush(stdout);
      buf_.erase(0, head.size() + body);
    }
  }

 private:
  std::string buf_;
};

void reader(GSocket* from, Pipe* pipe, std::chrono::milliseconds delay, RequestCounter* counter) {
  char buf[65536];
  for (;;) {
    gssize n = g_socket_receive(from, buf, sizeof buf, nullptr, nullptr);
    std::lock_guard l(pipe->m);
    if (n <= 0) {
      pipe->closed = true;
      pipe->c.notify_all();
      return;
    }
    std::string chunk(buf, std::size_t(n));
    if (counter) counter->feed(chunk);
    pipe->chunks.emplace_back(Clock::now() + delay, std::move(chunk));
    pipe->c.notify_all();
  }
}

void writer(GSocket* to, Pipe* pipe) {
  for (;;) {
    std::unique_lock l(pipe->m);
    pipe->c.wait(l, [&] { return !pipe->chunks.empty() || pipe->closed; });
    if (pipe->chunks.empty()) {
      g_socket_shutdown(to, FALSE, TRUE, nullptr);
      return;
    }
    auto [due, chunk] = std::move(pipe->chunks.front());
    pipe->chunks.pop_front();
    l.unlock();
    std::this_thread::sleep_until(due);  // the delay this proxy exists for
    std::size_t off = 0;
    while (off < chunk.size()) {
      gssize w = g_socket_send(to, chunk.data() + off, chunk.size() - off, nullptr, nullptr);
      if (w <= 0) return;
      off += std::size_t(w);
    }
  }
}

void serve(GSocket* client, std::string host, int port, std::chrono::milliseconds delay) {
  GSocketClient* sc = g_socket_client_new();
  GSocketConnection* conn =
      g_socket_client_connect_to_host(sc, host.c_str(), guint16(port), nullptr, nullptr);
  g_object_unref(sc);
  if (conn == nullptr) {
    g_socket_close(client, nullptr);
    g_object_unref(client);
    return;
  }
  GSocket* server = g_socket_connection_get_socket(conn);
  Pipe up, down;
  RequestCounter counter;
  std::thread r1(reader, client, &up, delay, &counter), w1(writer, server, &up);
  std::thread r2(reader, server, &down, delay, nullptr), w2(writer, client, &down);
  r1.join();
  w1.join();
  r2.join();
  w2.join();
  g_socket_close(client, nullptr);
  g_object_unref(client);
  g_object_unref(conn);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, target_port = 0, delay_ms = 25;
  gchar* target_host = nullptr;
  GOptionEntry entries[] = {
      {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to listen on (0: any, printed)", "N"},
      {"target-host", 0, 0, G_OPTION_ARG_STRING, &target_host, "Server host (127.0.0.1)", "H"},
      {"target-port", 't', 0, G_OPTION_ARG_INT, &target_port, "Server port", "P"},
      {"delay-ms", 'd', 0, G_OPTION_ARG_INT, &delay_ms, "Delay per direction (25)", "MS"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- delaying TCP proxy");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  if (!g_option_context_parse(ctx, &argc, &argv, nullptr) || target_port <= 0) {
    std::fprintf(stderr, "usage: rtsp2-delay-proxy --target-port P [--port N] [--delay-ms MS]\n");
    return 2;
  }
  g_option_context_free(ctx);
  const std::string host = target_host ? target_host : "127.0.0.1";
  GSocket* l = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* sa = g_inet_socket_address_new(lo, guint16(port));
  if (!g_socket_bind(l, sa, TRUE, nullptr) || !g_socket_listen(l, nullptr)) {
    std::fprintf(stderr, "cannot listen\n");
    return 1;
  }
  GSocketAddress* bound = g_socket_get_local_address(l, nullptr);
  std::printf("port %u\n", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
  std::fflush(stdout);
  for (;;) {
    GSocket* c = g_socket_accept(l, nullptr, nullptr);
    if (c == nullptr) break;
    std::thread(serve, c, host, target_port, std::chrono::milliseconds(delay_ms)).detach();
  }
  return 0;
}
