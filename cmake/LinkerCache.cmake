# Run at install time (install(SCRIPT), after libcvlsm is installed): a library installed
# into a directory the dynamic linker searches (/usr/local/lib) is found by programs only
# once the linker's cache lists it, so ldconfig runs. Nothing is done for a staged install
# (DESTDIR: a package's maintainer script does it); a directory the linker does not search
# gets a note saying how to make it findable. Set CVLSM_INSTALL_LIBDIR before including.
if(NOT "$ENV{DESTDIR}" STREQUAL "")
  return()
endif()
set(libdir "${CMAKE_INSTALL_PREFIX}/${CVLSM_INSTALL_LIBDIR}")
find_program(CVLSM_LDCONFIG ldconfig PATHS /sbin /usr/sbin NO_DEFAULT_PATH)
if(NOT CVLSM_LDCONFIG)
  message(WARNING "ldconfig not found: programs may not find libcvlsm in ${libdir} until the "
                  "dynamic linker's cache is updated")
  return()
endif()

# The directories the linker searches, as ldconfig reads its configuration (one per line,
# "DIR: (from FILE:LINE)"; libraries follow on lines indented by a tab).
execute_process(COMMAND ${CVLSM_LDCONFIG} -N -v OUTPUT_VARIABLE listing ERROR_QUIET)
string(REGEX MATCHALL "(^|\n)/[^:\n\t]*:" searched "${listing}")
file(REAL_PATH "${libdir}" libdir_real)
set(found FALSE)
foreach(entry IN LISTS searched)
  string(REGEX REPLACE "^\n?(/[^:]*):$" "\\1" dir "${entry}")
  if(EXISTS "${dir}")
    file(REAL_PATH "${dir}" dir_real)
    if(dir_real STREQUAL libdir_real)
      set(found TRUE)
    endif()
  endif()
endforeach()

if(NOT found)
  message(STATUS "libcvlsm is in ${libdir}, which the dynamic linker does not search: "
                 "add it to a file in /etc/ld.so.conf.d/ and run ldconfig, or link "
                 "programs with -Wl,-rpath,${libdir}")
  return()
endif()
execute_process(COMMAND ${CVLSM_LDCONFIG} RESULT_VARIABLE failed ERROR_VARIABLE error)
if(failed)
  message(WARNING "ldconfig failed (${error}): run it as root, or programs will not find "
                  "libcvlsm.so.0 in ${libdir}")
else()
  message(STATUS "Updated the dynamic linker's cache (ldconfig) for ${libdir}")
endif()
