#include "jpeg.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "../base/gst_ptr.hpp"
#include "jpeg_tables.hpp"

namespace rtsp2::rtp::jpeg {
namespace {

constexpr std::size_t kMaxFrameSize = 16 * 1024 * 1024;  // the fragment offset has 24 bits
constexpr unsigned kMaxDimension = 2040;                 // 8 bits of 8-pixel blocks

unsigned be16(const std::uint8_t* p) {
  return (unsigned{p[0]} << 8) | p[1];
}

// What RFC 2435 needs from a JFIF/baseline JPEG image.
struct Image {
  int type = 0;
  unsigned width = 0, height = 0, restart_interval = 0;
  std::vector<std::uint8_t> tables;
  std::uint8_t precision = 0;
  Bytes scan;
};

// Walks the marker segments up to SOS. Only what RFC 2435 can describe is accepted: baseline, 8-bit,
// three components Y/Cb/Cr with 2x1 or 2x2 luma sampling, one chroma table shared by Cb and Cr.
bool parse_image(Bytes data, Image& img, const char*& why) {
  if (data.size() < 4 || data[0] != 0xff || data[1] != 0xd8) {
    why = "not a JPEG image (no SOI)";
    return false;
  }
  const std::uint8_t* qt[4] = {};
  bool qt_wide[4] = {};
  std::uint8_t hv[3] = {}, tq[3] = {};
  bool have_sof = false;
  std::size_t i = 2;
  while (i + 4 <= data.size()) {
    if (data[i] != 0xff) {
      why = "garbage between markers";
      return false;
    }
    const std::uint8_t m = data[i + 1];
    if (m == 0xff) {  // fill byte
      ++i;
      continue;
    }
    if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2;
      continue;
    }
    const unsigned len = be16(&data[i + 2]);
    if (len < 2 || i + 2 + len > data.size()) {
      why = "marker segment past the end";
      return false;
    }
    const Bytes seg = data.subspan(i + 4, len - 2);
    if (m == 0xdb) {
      for (std::size_t j = 0; j < seg.size();) {
        const bool wide = seg[j] >> 4;
        const unsigned id = seg[j] & 0x0f;
        const std::size_t size = wide ? 128 : 64;
        if (id > 3 || j + 1 + size > seg.size()) {
          why = "bad DQT";
          return false;
        }
        qt[id] = &seg[j + 1];
        qt_wide[id] = wide;
        j += 1 + size;
      }
    } else if (m == 0xc0 || m == 0xc1) {
      if (seg.size() < 15 || seg[0] != 8 || seg[5] != 3) {
        why = "only 8-bit three-component (YUV) JPEG fits RFC 2435";
        return false;
      }
      img.height = be16(&seg[1]);
      img.width = be16(&seg[3]);
      for (int k = 0; k < 3; ++k) {
        hv[k] = seg[6 + 3 * k + 1];
        tq[k] = seg[6 + 3 * k + 2] & 3;
      }
      have_sof = true;
    } else if (m >= 0xc2 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
      why = "not a baseline JPEG (progressive, lossless or arithmetic coding)";
      return false;
    } else if (m == 0xdd) {
      if (seg.size() < 2) {
        why = "bad DRI";
        return false;
      }
      img.restart_interval = be16(seg.data());
    } else if (m == 0xda) {
      if (!have_sof) {
        why = "SOS before SOF";
        return false;
      }
      Bytes scan = data.subspan(i + 2 + len);
      if (scan.size() >= 2 && scan[scan.size() - 2] == 0xff && scan[scan.size() - 1] == 0xd9) {
        scan = scan.first(scan.size() - 2);
      }
      img.scan = scan;
      if (hv[0] == 0x21) {
        img.type = 0;
      } else if (hv[0] == 0x22) {
        img.type = 1;
      } else {
        why = "luma sampling other than 4:2:2 or 4:2:0";
        return false;
      }
      if (hv[1] != 0x11 || hv[2] != 0x11 || tq[1] != tq[2] || !qt[tq[0]] || !qt[tq[1]]) {
        why = "chroma layout or tables RFC 2435 cannot carry";
        return false;
      }
      if (img.width == 0 || img.height == 0 || img.width > kMaxDimension || img.height > kMaxDimension) {
        why = "dimensions above 2040 pixels";
        return false;
      }
      img.tables.assign(qt[tq[0]], qt[tq[0]] + (qt_wide[tq[0]] ? 128 : 64));
      img.precision = qt_wide[tq[0]] ? 1 : 0;
      if (tq[1] != tq[0]) {
        img.tables.insert(img.tables.end(), qt[tq[1]], qt[tq[1]] + (qt_wide[tq[1]] ? 128 : 64));
        img.precision |= qt_wide[tq[1]] ? 2 : 0;
      }
      return true;
    }
    i += 2 + len;
  }
  why = "no SOS";
  return false;
}

// Each frame: [main header][restart header if DRI][quantization header + tables, first packet only]
// [scan data from the fragment offset]. Q is 255: the tables always travel with the frame, so any
// encoder's tables work.
class JpegPay final : public PayFormat {
 public:
  explicit JpegPay(const PayContext& context) : ctx_(context) {}

  bool configure(const GstStructure*, PayCaps& out, std::string&) override {
    out.media = "video";
    out.encoding_name = "JPEG";
    out.clock_rate = 90000;
    return true;
  }

  bool handle(GstBuffer* input, PayOutput& out) override {
    MappedBuffer map(input);
    if (!map.ok()) return false;
    Image img;
    const char* why = nullptr;
    if (!parse_image(Bytes(map.data(), map.size()), img, why)) {
      GST_CAT_WARNING_OBJECT(ctx_.category, ctx_.element, "cannot payload this image: %s", why);
      return false;
    }
    const std::uint8_t type = static_cast<std::uint8_t>(img.type + (img.restart_interval ? 64 : 0));
    std::uint8_t main[8] = {0,
                            0,
                            0,
                            0,
                            type,
                            255,
                            static_cast<std::uint8_t>((img.width + 7) / 8),
                            static_cast<std::uint8_t>((img.height + 7) / 8)};
    // Restart intervals are not aligned with packets: F = L = 1, count 0x3fff (RFC 2435 3.1.7).
    const std::uint8_t restart[4] = {static_cast<std::uint8_t>(img.restart_interval >> 8),
                                     static_cast<std::uint8_t>(img.restart_interval), 0xff, 0xff};
    const std::uint8_t qheader[4] = {0, img.precision, static_cast<std::uint8_t>(img.tables.size() >> 8),
                                     static_cast<std::uint8_t>(img.tables.size())};
    const std::size_t room = out.max_payload();
    std::size_t offset = 0;
    Bytes scan = img.scan;
    do {
      const bool first = offset == 0;
      std::size_t head = 8 + (img.restart_interval ? 4 : 0) + (first ? 4 + img.tables.size() : 0);
      if (head >= room) return false;  // MTU too small for the headers
      const std::size_t n = std::min(room - head, scan.size());
      main[1] = static_cast<std::uint8_t>(offset >> 16);
      main[2] = static_cast<std::uint8_t>(offset >> 8);
      main[3] = static_cast<std::uint8_t>(offset);
      const bool last = n == scan.size();
      Bytes pieces[5];
      std::size_t count = 0;
      pieces[count++] = Bytes(main, 8);
      if (img.restart_interval) pieces[count++] = Bytes(restart, 4);
      if (first) {
        pieces[count++] = Bytes(qheader, 4);
        pieces[count++] = Bytes(img.tables);
      }
      pieces[count++] = scan.first(n);
      out.add_packet(std::span<const Bytes>(pieces, count), last);
      scan = scan.subspan(n);
      offset += n;
    } while (!scan.empty());
    return true;
  }

 private:
  PayContext ctx_;
};

// Rebuilds a JFIF image per frame: headers from the RTP/JPEG header and the tables (in-band, cached
// per Q, or computed from Q), then the fragments in offset order, then EOI. A missing fragment
// (offset gap) or a frame without its first packet drops the frame.
class JpegDepay final : public DepayFormat {
 public:
  GstCaps* configure(const GstStructure*, const GstCaps*, std::string&) override {
    reset();
    width_ = height_ = 0;
    return gst_caps_new_empty_simple("image/jpeg");
  }

  void process(const RtpPacket& packet, DepayOutput& out) override {
    if (have_frame_ && packet.rtptime != rtptime_) {
      clear();
      out.drop_unit("frame ended without its marker packet");
    }
    const Bytes p = packet.payload;
    if (p.size() < 8) {
      fail(out, "truncated RTP/JPEG header", packet);
      return;
    }
    const std::size_t offset = (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    // The rest of a frame already dropped goes quietly.
    if (failed_ && !have_frame_ && offset != 0 && packet.rtptime == failed_rtptime_) return;
    const std::uint8_t type = p[4], q = p[5];
    std::size_t pos = 8;
    unsigned dri = 0;
    if (type >= 64 && type <= 127) {
      if (p.size() < 12) {
        fail(out, "truncated restart marker header", packet);
        return;
      }
      dri = be16(&p[8]);
      pos = 12;
    }
    if ((type & 63) > 1 || type > 127) {
      fail(out, "unsupported RTP/JPEG type", packet);
      return;
    }
    if (offset == 0) {
      if (have_frame_) {
        clear();
        out.drop_unit("new frame before the previous one ended");
      }
      header_ = FrameHeader{};
      header_.type = type & 63;
      header_.width = p[6] * 8u;
      header_.height = p[7] * 8u;
      header_.restart_interval = dri;
      if (header_.width == 0 || header_.height == 0) {
        fail(out, "dimensions above 2040 pixels are not supported", packet);
        return;
      }
      if (!tables(p, pos, q)) {
        fail(out, "bad or missing quantization tables", packet);
        return;
      }
      have_frame_ = true;
      failed_ = false;
      rtptime_ = packet.rtptime;
      pts_ = packet.pts;
    } else if (!have_frame_ || offset != frame_.size()) {
      fail(out, "fragment missing", packet);
      return;
    }
    const Bytes data = p.subspan(pos);
    if (frame_.size() + data.size() > kMaxFrameSize) {
      fail(out, "frame larger than the reassembly limit", packet);
      return;
    }
    frame_.insert(frame_.end(), data.begin(), data.end());
    if (packet.marker) finish(out);
  }

  bool on_loss() override {
    const bool had = have_frame_;
    clear();
    return had;
  }
  void drain(DepayOutput&) override { clear(); }  // without its marker a frame may be incomplete
  void reset() override {
    clear();
    failed_ = false;
    cache_.clear();
  }

 private:
  // Reads or makes the quantization tables into header_; advances pos past the quantization header.
  bool tables(Bytes p, std::size_t& pos, std::uint8_t q) {
    if (q == 0) return false;
    if (q < 128) {
      QuantTable luma, chroma;
      make_tables(q, luma, chroma);
      header_.tables.assign(luma.begin(), luma.end());
      header_.tables.insert(header_.tables.end(), chroma.begin(), chroma.end());
      return true;
    }
    if (p.size() - pos < 4) return false;
    const std::uint8_t precision = p[pos + 1];
    const std::size_t len = be16(&p[pos + 2]);
    pos += 4;
    if (len > p.size() - pos) return false;
    if (len == 0) {
      // Tables sent earlier for this Q (not allowed for Q 255, which must carry them every frame).
      auto it = cache_.find(q);
      if (q == 255 || it == cache_.end()) return false;
      header_.tables = it->second.first;
      header_.precision = it->second.second;
      return true;
    }
    header_.tables.assign(p.begin() + static_cast<std::ptrdiff_t>(pos),
                          p.begin() + static_cast<std::ptrdiff_t>(pos + len));
    header_.precision = precision;
    pos += len;
    if (q != 255) cache_[q] = {header_.tables, precision};
    return true;
  }

  void fail(DepayOutput& out, const char* why, const RtpPacket& packet) {
    clear();
    // Until the next frame starts, the rest of this one is useless: remember its timestamp.
    failed_ = true;
    failed_rtptime_ = packet.rtptime;
    out.drop_unit(why);
  }

  void finish(DepayOutput& out) {
    std::vector<std::uint8_t> head = make_headers(header_);
    if (head.empty()) {
      clear();
      out.drop_unit("unusable quantization tables");
      return;
    }
    if (header_.width != width_ || header_.height != height_) {
      width_ = header_.width;
      height_ = header_.height;
      out.set_caps(gst_caps_new_simple("image/jpeg", "width", G_TYPE_INT, static_cast<int>(width_), "height",
                                       G_TYPE_INT, static_cast<int>(height_), nullptr));
    }
    const bool has_eoi = frame_.size() >= 2 && frame_[frame_.size() - 2] == 0xff && frame_.back() == 0xd9;
    const std::size_t size = head.size() + frame_.size() + (has_eoi ? 0 : 2);
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
      std::copy(head.begin(), head.end(), map.data);
      std::copy(frame_.begin(), frame_.end(), map.data + head.size());
      if (!has_eoi) {
        map.data[size - 2] = 0xff;
        map.data[size - 1] = 0xd9;
      }
      gst_buffer_unmap(buffer, &map);
    }
    GST_BUFFER_PTS(buffer) = pts_;
    clear();
    out.emit(buffer, true);
  }

  void clear() {
    have_frame_ = false;
    frame_.clear();
  }

  bool have_frame_ = false;
  std::uint32_t rtptime_ = 0;
  bool failed_ = false;
  std::uint32_t failed_rtptime_ = 0;
  GstClockTime pts_ = GST_CLOCK_TIME_NONE;
  FrameHeader header_;
  std::vector<std::uint8_t> frame_;
  std::map<std::uint8_t, std::pair<std::vector<std::uint8_t>, std::uint8_t>> cache_;
  unsigned width_ = 0, height_ = 0;
};

std::unique_ptr<PayFormat> make_pay(const PayContext& context) {
  return std::make_unique<JpegPay>(context);
}
std::unique_ptr<DepayFormat> make_depay(const DepayContext&) {
  return std::make_unique<JpegDepay>();
}

}  // namespace

PayDescriptor pay_descriptor = {
    "rtpjpegpay2",
    "GstRtpJpegPay2",
    "RTP JPEG payloader (rtp2)",
    "Payloads baseline JPEG images into RTP packets (RFC 2435; tables in-band, restart markers)",
    "image/jpeg",
    "application/x-rtp, media=(string)video, payload=(int)26, clock-rate=(int)90000, "
    "encoding-name=(string)JPEG; "
    "application/x-rtp, media=(string)video, payload=(int)[ 96, 127 ], clock-rate=(int)90000, "
    "encoding-name=(string)JPEG",
    make_pay,
    nullptr,
    nullptr,
    26,
};

DepayDescriptor depay_descriptor = {
    "rtpjpegdepay2",
    "GstRtpJpegDepay2",
    "RTP JPEG depayloader (rtp2)",
    "Extracts baseline JPEG images from RTP packets (RFC 2435); drops incomplete frames",
    "application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)JPEG; "
    "application/x-rtp, media=(string)video, payload=(int)26, clock-rate=(int)90000",
    "image/jpeg",
    make_depay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::jpeg
