# What `cmake --install` puts where (GNUInstallDirs; PREFIX is CMAKE_INSTALL_PREFIX):
#   PREFIX/bin/feedd
#   PREFIX/lib/systemd/system/feedd.service   ExecStart and -c rewritten for PREFIX
#   PREFIX/lib/sysusers.d/feedd.conf          the system user the service runs as
#   SYSCONFDIR/feedd/feedd.toml               only when absent: an edited config is kept
# SYSCONFDIR is /etc for the prefix /usr and PREFIX/etc otherwise, decided at install time
# so that `cmake --install build --prefix DIR` stays consistent. DESTDIR is honoured.
# For a system install: cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr.

set(FEEDD_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes, relative to the prefix")
set(FEEDD_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING
    "Where the sysusers.d snippet goes, relative to the prefix")

install(FILES ${PROJECT_SOURCE_DIR}/systemd/feedd.sysusers
        DESTINATION ${FEEDD_SYSUSERS_DIR} RENAME feedd.conf)

install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(feedd_etc \"/etc\")
  else()
    set(feedd_etc \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SYSCONFDIR}\")
  endif()

  file(READ \"${PROJECT_SOURCE_DIR}/systemd/feedd.service\" feedd_unit)
  string(REPLACE \"/usr/bin/feedd\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/feedd\" feedd_unit \"\${feedd_unit}\")
  string(REPLACE \"/etc/feedd/\" \"\${feedd_etc}/feedd/\" feedd_unit \"\${feedd_unit}\")
  # One staging place per destination: installs to two places at once do not collide.
  string(MD5 feedd_stage \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  file(WRITE \"${PROJECT_BINARY_DIR}/install/\${feedd_stage}/feedd.service\" \"\${feedd_unit}\")
  file(INSTALL \"${PROJECT_BINARY_DIR}/install/\${feedd_stage}/feedd.service\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${FEEDD_SYSTEMD_UNIT_DIR}\")

  if(EXISTS \"\$ENV{DESTDIR}\${feedd_etc}/feedd/feedd.toml\")
    message(STATUS \"Keeping: \$ENV{DESTDIR}\${feedd_etc}/feedd/feedd.toml (already there)\")
  else()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/config/feedd.toml\" DESTINATION \"\${feedd_etc}/feedd\")
  endif()
")
