#pragma once
// Which memory allocator this process runs on, for `feedd --version` and bug reports.

#include <string>

namespace feedd {

// "jemalloc 5.3.0-0-g..." when the program is linked with jemalloc (see README
// "Dependencies"), otherwise "the C library's malloc" (the sanitizer builds).
std::string allocator_name();

}  // namespace feedd
