#include <cstddef>
#include <cstdint>

#include "parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)data;
  (void)size;
  return 0;
}
