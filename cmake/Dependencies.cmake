# Every dependency is a Debian 12 package. A missing one stops the configure step
# with the name of the package that provides it.

function(feedd_require_package found debian_package what)
  if(NOT ${found})
    message(FATAL_ERROR "feedd needs ${what}: install the Debian package '${debian_package}' "
                        "(apt-get install ${debian_package}), or run scripts/install-deps")
  endif()
endfunction()

find_package(PkgConfig QUIET)
feedd_require_package(PKG_CONFIG_FOUND pkg-config "pkg-config")

# The store's worker thread (std::thread); part of the C library, no package.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

find_package(CURL QUIET)
feedd_require_package(CURL_FOUND libcurl4-openssl-dev "libcurl")

find_package(pugixml QUIET)
feedd_require_package(pugixml_FOUND libpugixml-dev "pugixml")

find_package(SQLite3 QUIET)
feedd_require_package(SQLite3_FOUND libsqlite3-dev "SQLite 3")

pkg_check_modules(LIBUV QUIET IMPORTED_TARGET libuv)
feedd_require_package(LIBUV_FOUND libuv1-dev "libuv")

find_package(spdlog QUIET)
feedd_require_package(spdlog_FOUND libspdlog-dev "spdlog")

find_package(tomlplusplus QUIET)
feedd_require_package(tomlplusplus_FOUND libtomlplusplus-dev "toml++")

find_package(CLI11 QUIET)
feedd_require_package(CLI11_FOUND libcli11-dev "CLI11")

find_package(nlohmann_json QUIET)
feedd_require_package(nlohmann_json_FOUND nlohmann-json3-dev "nlohmann-json")

# xxHash: the store's content hash (store/content_hash.hpp).
pkg_check_modules(XXHASH QUIET IMPORTED_TARGET libxxhash)
feedd_require_package(XXHASH_FOUND libxxhash-dev "xxHash")

# jemalloc: the allocator of the feedd program and of the benchmarks (README
# "Dependencies" says why). Not with a sanitizer, which brings its own allocator.
if(FEEDD_SANITIZE OR FEEDD_SANITIZE_THREAD OR FEEDD_FUZZ)
  set(FEEDD_JEMALLOC OFF)
else()
  pkg_check_modules(JEMALLOC QUIET IMPORTED_TARGET jemalloc)
  feedd_require_package(JEMALLOC_FOUND libjemalloc-dev "jemalloc")
  set(FEEDD_JEMALLOC ON)
endif()
function(feedd_use_allocator target)
  if(FEEDD_JEMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()

pkg_check_modules(SYSTEMD QUIET IMPORTED_TARGET libsystemd)
feedd_require_package(SYSTEMD_FOUND libsystemd-dev "libsystemd")

if(FEEDD_TESTS)
  find_package(doctest QUIET)
  feedd_require_package(doctest_FOUND doctest-dev "doctest")
endif()
