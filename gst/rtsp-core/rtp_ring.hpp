// A growable ring buffer for the receive path: push/pop at both ends and insertion in the middle without
// allocating once it has grown to the working size (std::deque allocates and frees a block every few
// elements as a queue moves through it). Capacity is a power of two and never shrinks.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace rtsp2::core {

template <typename T>
class Ring {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  const T& operator[](std::size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  void push_back(T v) {
    grow();
    (*this)[size_] = std::move(v);
    size_++;
  }
  T pop_front() {
    T v = std::move(front());
    head_ = (head_ + 1) & (buf_.size() - 1);
    size_--;
    return v;
  }
  // Inserts before position `pos` (0..size()), moving the later elements one place back.
  void insert(std::size_t pos, T v) {
    grow();
    for (std::size_t i = size_; i > pos; i--) (*this)[i] = std::move((*this)[i - 1]);
    (*this)[pos] = std::move(v);
    size_++;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }
  // Keeps the elements for which keep(e) is true, in order.
  template <typename Pred>
  void retain(Pred keep) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < size_; i++) {
      if (keep((*this)[i])) {
        if (out != i) (*this)[out] = std::move((*this)[i]);
        out++;
      }
    }
    size_ = out;
  }

 private:
  void grow() {
    if (size_ < buf_.size()) return;
    std::vector<T> bigger(buf_.empty() ? 16 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; i++) bigger[i] = std::move((*this)[i]);
    buf_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rtsp2::core
