#pragma once
// libcurl's process-wide initialization.

namespace feedd::fetch {

// Runs curl_global_init once per process (thread-safe, idempotent). Client's constructor
// calls it; call it earlier from main() to keep it off any later thread. Throws
// std::runtime_error when libcurl cannot initialize.
void global_init();

}  // namespace feedd::fetch
