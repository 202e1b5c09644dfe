# keep as a Debian package (`make deb`: keep_<version>_amd64.deb): keepd, keep, libkeep
# (cmake/libkeep.cmake), man pages and completions generated from the command definitions
# (cmd/keepd/CMakeLists.txt), an example config, the systemd unit and the maintainer
# scripts in packaging/. tests/package_test.sh builds it, unpacks it into a throw-away
# root, verifies the unit and starts the unpacked keepd from the example config.
set(KEEP_GEN ${CMAKE_BINARY_DIR}/generated)

install(TARGETS keepd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS keep RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${KEEP_GEN}/keep.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${KEEP_GEN}/keepd.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${KEEP_GEN}/keep.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME keep)
install(FILES ${KEEP_GEN}/keep.zsh DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
        RENAME _keep)
install(FILES ${KEEP_GEN}/keep.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES packaging/keepd.toml DESTINATION /etc/keep PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES packaging/keepd.service DESTINATION /lib/systemd/system)
configure_file(packaging/changelog.in ${KEEP_GEN}/changelog @ONLY)
add_custom_command(OUTPUT ${KEEP_GEN}/changelog.gz
                   COMMAND gzip -9nc ${KEEP_GEN}/changelog > ${KEEP_GEN}/changelog.gz
                   DEPENDS ${KEEP_GEN}/changelog VERBATIM)
add_custom_target(keep_changelog ALL DEPENDS ${KEEP_GEN}/changelog.gz)
install(FILES ${KEEP_GEN}/changelog.gz packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES README.md docs/operations.md docs/api.md docs/formats.md docs/threat-model.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME keep)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "keep maintainers <keep@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "key management service: envelope encryption, custody, audit")
# The extended description only: CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "keep holds key-encrypting keys that never leave it in plaintext and gives\napplications envelope encryption over HTTPS (its own API, the AWS KMS API,\nkeas.kmi and KMIP), with Shamir or HSM custody of the root key, policies,\nrate limits, decrypt lockdown and a signed, hash-chained audit trail.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
# shlibs and the ldconfig trigger for libkeep.so.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm ${PROJECT_SOURCE_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
