# libkeep for applications (issue 14): `cmake --install` puts libkeep.so (shared),
# libkeep.a (static), the public headers (include/keep), a CMake package
# (find_package(keep CONFIG) → keep::keep, keep::keep_static) and keep.pc (pkg-config).
# libkeep is the typed client, Envelope and their cache, the record format, the crypto and
# common code under them: the same static libraries the rest of keep links, built
# position-independent and put together here.
# Libraries go to the multiarch directory (lib/x86_64-linux-gnu), as Debian lays them out
# (GNUInstallDirs only does so for a /usr prefix; the package is made from this build).
if(CMAKE_LIBRARY_ARCHITECTURE AND (NOT CMAKE_INSTALL_LIBDIR OR CMAKE_INSTALL_LIBDIR STREQUAL "lib"))
  set(CMAKE_INSTALL_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE} CACHE PATH "object code libraries" FORCE)
endif()
include(GNUInstallDirs)

set(KEEP_LIB_PARTS keep_client keep_format keep_crypto keep_common)
set_target_properties(${KEEP_LIB_PARTS} PROPERTIES POSITION_INDEPENDENT_CODE ON)
# What libkeep itself links against (also what a static consumer needs).
set(KEEP_LIB_DEPS OpenSSL::SSL OpenSSL::Crypto Boost::json fmt::fmt spdlog::spdlog Threads::Threads)

# The static library: the parts' archives merged into one (ar's MRI script).
set(KEEP_STATIC ${CMAKE_BINARY_DIR}/libkeep.a)
set(mri "CREATE ${KEEP_STATIC}\n")
foreach(p ${KEEP_LIB_PARTS})
  string(APPEND mri "ADDLIB $<TARGET_FILE:${p}>\n")
endforeach()
string(APPEND mri "SAVE\nEND\n")
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/libkeep.mri CONTENT "${mri}")
add_custom_command(OUTPUT ${KEEP_STATIC}
                   COMMAND ${CMAKE_COMMAND} -E rm -f ${KEEP_STATIC}
                   COMMAND ${CMAKE_AR} -M < ${CMAKE_BINARY_DIR}/libkeep.mri
                   DEPENDS ${KEEP_LIB_PARTS} ${CMAKE_BINARY_DIR}/libkeep.mri
                   COMMENT "Merging libkeep.a")
add_custom_target(keep_static ALL DEPENDS ${KEEP_STATIC})


file(WRITE ${CMAKE_BINARY_DIR}/libkeep_shared.cc
     "// libkeep.so: everything comes from the static parts (cmake/libkeep.cmake).\n")
add_library(keep_shared SHARED ${CMAKE_BINARY_DIR}/libkeep_shared.cc)
# The whole of libkeep.a goes in (nothing references its symbols from this empty file).
target_link_libraries(keep_shared PRIVATE -Wl,--whole-archive ${KEEP_STATIC} -Wl,--no-whole-archive
                      ${KEEP_LIB_DEPS})
add_dependencies(keep_shared keep_static)
set_target_properties(keep_shared PROPERTIES LINK_DEPENDS ${KEEP_STATIC})
target_include_directories(keep_shared PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
set_target_properties(keep_shared PROPERTIES OUTPUT_NAME keep VERSION ${PROJECT_VERSION}
                      SOVERSION ${PROJECT_VERSION_MAJOR})

install(TARGETS keep_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${KEEP_STATIC} DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/keep/client.h include/keep/code.h include/keep/envelope.h include/keep/keys.h
              include/keep/reasons.h include/keep/result.h include/keep/secret_string.h
              include/keep/status.h include/keep/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/keep)
configure_file(cmake/keepConfig.cmake.in ${CMAKE_BINARY_DIR}/keepConfig.cmake @ONLY)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/keepConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/keepConfig.cmake ${CMAKE_BINARY_DIR}/keepConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/keep)
# keep.pc is relocatable: its prefix is found from where it is (${pcfiledir}).
string(REGEX REPLACE "[^/]+" ".." KEEP_PC_UP "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
configure_file(cmake/keep.pc.in ${CMAKE_BINARY_DIR}/keep.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/keep.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
