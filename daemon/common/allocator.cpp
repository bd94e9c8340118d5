#include "common/allocator.hpp"

#include <cstddef>

// jemalloc's control interface. Weak: a program linked without jemalloc (the sanitizer
// builds, the test suite) has none, and the address is null.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen)
    __attribute__((weak));

namespace feedd {

std::string allocator_name() {
  if (mallctl != nullptr) {
    const char* version = nullptr;
    std::size_t size = sizeof version;
    if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) == 0 && version != nullptr) {
      return std::string("jemalloc ") + version;
    }
    return "jemalloc";
  }
  return "the C library's malloc";
}

}  // namespace feedd
