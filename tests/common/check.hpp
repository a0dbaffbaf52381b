// Include this after every other header: libcheck's <check.h> defines a `fail` macro that breaks
// std::basic_ios::fail() when a standard stream header is parsed after it.
#pragma once

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <gst/check/gstcheck.h>

// Reads a fixture file from tests/fixtures (RTSP2_FIXTURES is set by meson's test environment).
inline std::string read_fixture(const std::string& name) {
  const char* dir = g_getenv("RTSP2_FIXTURES");
  std::string path = std::string(dir ? dir : "tests/fixtures") + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    g_error("fixture %s not found", path.c_str());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
