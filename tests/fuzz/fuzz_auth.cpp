#include <cstddef>
#include <cstdint>

#include "auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)data;
  (void)size;
  return 0;
}
