# keep as a Debian package (`make deb`: keep_<version>_amd64.deb): keepd, keep, libkeep
# (cmake/libkeep.cmake), man pages and completions generated from the command definitions
# (cmd/keepd/CMakeLists.txt), an example config, the systemd unit and the maintainer
# scripts in packaging/. tests/package_test.sh builds it, unpacks it into a throw-away
# root, verifies the unit and starts the unpacked keepd from the example config.
set(KEEP_GEN ${CMAKE_BINARY_DIR}/generated)

install(TARGETS keepd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS keep RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${KEEP_GEN}/keep.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${KEEP_GEN}/keepd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${KEEP_GEN}/keep.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME keep)
install(FILES ${KEEP_GEN}/keep.zsh DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
        RENAME _keep)
install(FILES ${KEEP_GEN}/keep.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES packaging/keepd.toml DESTINATION /etc/keep PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES packaging/keepd.service DESTINATION /lib/systemd/system)
install(FILES README.md docs/operations.md docs/api.md docs/formats.md docs/threat-model.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME keep)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "keep maintainers <keep@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "key management service: envelope encryption, custody, audit")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "key management service: envelope encryption, custody, audit\n keep holds key-encrypting keys that never leave it in plaintext and gives\n applications envelope encryption over HTTPS (its own API, the AWS KMS API,\n keas.kmi and KMIP), with Shamir or HSM custody of the root key, policies,\n rate limits, decrypt lockdown and a signed, hash-chained audit trail.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm ${PROJECT_SOURCE_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
