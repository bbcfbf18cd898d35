# bpf_object(NAME [ALL] ARCH arch SOURCES src.bpf.c... [INCLUDES dir...] [DEPENDS file...]
#            [DEFINES NAME...])
#   Compiles each CO-RE BPF unit and links them into one object, <NAME>.bpf.o in the current
#   binary directory, built by the target <NAME>_object (by default with ALL).
#
# bpf_skeleton(NAME SOURCES src.bpf.c... [INCLUDES dir...] [DEPENDS file...] [DEFINES NAME...])
#   bpf_object for the architecture being built, turned into a libbpf skeleton header and
#   exposed as the INTERFACE target <NAME>_skel (include <NAME>.skel.h). Nobody edits the
#   generated header. If CVLSM_PREBUILT_SKELETON_DIR holds <NAME>.skel.h (generated on a
#   machine with clang and bpftool), it is used as is, so the userspace and the unit tests
#   build without them.
#
# bpf_check_headers(NAME HEADERS file.h... [INCLUDES dir...] [DEPENDS file...])
#   Compiles each header alone, so that none depends on what was included before it; the
#   target <NAME> is built by default.
include_guard(GLOBAL)

set(CVLSM_PREBUILT_SKELETON_DIR "" CACHE PATH "Directory with prebuilt <name>.skel.h files")

# The kernel's name for the architecture being built, which selects the committed
# vmlinux.h (x86, arm64), not the compiler's.
function(_bpf_host_arch out)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(${out} x86 PARENT_SCOPE)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(${out} arm64 PARENT_SCOPE)
  else()
    message(FATAL_ERROR "bpf: no vmlinux.h for ${CMAKE_SYSTEM_PROCESSOR}")
  endif()
endfunction()

function(_bpf_find_tools)
  find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
  find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
endfunction()

# -g keeps BTF, which CO-RE relocation needs; -O2 is what the verifier expects; -Werror
# because a warning in kernel-side code is a bug waiting for a kernel; -Wundef so that a
# misspelt build-variant condition (#if CVLSM_HAS_...) fails the build.
# A cache variable: the module is read once (include_guard), by whichever directory comes
# first, and its functions are called from others too.
set(_BPF_CFLAGS -g -O2 -Wall -Wundef -Werror -target bpf CACHE INTERNAL "flags of every BPF unit")

function(bpf_object NAME)
  cmake_parse_arguments(ARG "ALL" "ARCH" "SOURCES;INCLUDES;DEPENDS;DEFINES" ${ARGN})
  _bpf_find_tools()
  set(flags ${_BPF_CFLAGS} -D__TARGET_ARCH_${ARG_ARCH})
  foreach(dir ${ARG_INCLUDES})
    list(APPEND flags -I${dir})
  endforeach()
  foreach(define ${ARG_DEFINES})
    list(APPEND flags -D${define})
  endforeach()

  # One object per unit, in a directory of its own: units in different folders may share
  # a file name.
  set(unit_dir ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.units)
  set(unit_objects)
  set(index 0)
  foreach(source ${ARG_SOURCES})
    get_filename_component(base ${source} NAME_WE)
    set(unit_object ${unit_dir}/${index}_${base}.bpf.o)
    add_custom_command(
      OUTPUT ${unit_object}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${unit_dir}
      COMMAND ${BPF_CLANG} ${flags} -c ${source} -o ${unit_object}
      DEPENDS ${source} ${ARG_DEPENDS}
      COMMENT "BPF ${NAME}: compiling ${source}"
      VERBATIM)
    list(APPEND unit_objects ${unit_object})
    math(EXPR index "${index} + 1")
  endforeach()

  # libbpf's static linker (bpftool gen object) joins the units as a C linker would: each
  # map, variable and global function is defined in one unit and declared where it is used,
  # BTF and CO-RE relocations are merged. The order of SOURCES is the order of the programs
  # in the object.
  set(object ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o)
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${BPFTOOL} gen object ${object} ${unit_objects}
    DEPENDS ${unit_objects}
    COMMENT "BPF ${NAME}: linking ${object}"
    VERBATIM)
  if(ARG_ALL)
    add_custom_target(${NAME}_object ALL DEPENDS ${object})
  else()
    add_custom_target(${NAME}_object DEPENDS ${object})
  endif()
endfunction()

function(bpf_skeleton NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDES;DEPENDS;DEFINES" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  set(skeleton ${out_dir}/${NAME}.skel.h)

  if(CVLSM_PREBUILT_SKELETON_DIR AND EXISTS ${CVLSM_PREBUILT_SKELETON_DIR}/${NAME}.skel.h)
    configure_file(${CVLSM_PREBUILT_SKELETON_DIR}/${NAME}.skel.h ${skeleton} COPYONLY)
    add_custom_target(${NAME}_skel_gen)
  else()
    _bpf_host_arch(arch)
    bpf_object(${NAME} ARCH ${arch} SOURCES ${ARG_SOURCES} INCLUDES ${ARG_INCLUDES}
               DEPENDS ${ARG_DEPENDS} DEFINES ${ARG_DEFINES})
    set(object ${out_dir}/${NAME}.bpf.o)

    # The skeleton embeds the object, so the library needs no file at run time.
    add_custom_command(
      OUTPUT ${skeleton}
      COMMAND ${BPFTOOL} gen skeleton ${object} name ${NAME} > ${skeleton}
      DEPENDS ${object}
      COMMENT "BPF ${NAME}: generating skeleton"
      VERBATIM)
    add_custom_target(${NAME}_skel_gen DEPENDS ${skeleton})
    set_property(TARGET ${NAME}_skel_gen PROPERTY BPF_OBJECT ${object})
  endif()

  add_library(${NAME}_skel INTERFACE)
  add_dependencies(${NAME}_skel ${NAME}_skel_gen)
  target_include_directories(${NAME}_skel INTERFACE ${out_dir})
endfunction()

function(bpf_check_headers NAME)
  cmake_parse_arguments(ARG "" "" "HEADERS;INCLUDES;DEPENDS" ${ARGN})
  _bpf_find_tools()
  _bpf_host_arch(arch)
  # A header compiled as the main file uses none of its own static functions.
  set(flags ${_BPF_CFLAGS} -D__TARGET_ARCH_${arch} -fsyntax-only -Wno-unused-function)
  foreach(dir ${ARG_INCLUDES})
    list(APPEND flags -I${dir})
  endforeach()
  set(stamps)
  foreach(header ${ARG_HEADERS})
    file(RELATIVE_PATH name ${PROJECT_SOURCE_DIR} ${header})
    string(MAKE_C_IDENTIFIER ${name} id)
    set(stamp_dir ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.d)
    set(stamp ${stamp_dir}/${id}.ok)
    add_custom_command(
      OUTPUT ${stamp}
      COMMAND ${BPF_CLANG} ${flags} -x c ${header}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${stamp_dir}
      COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
      DEPENDS ${header} ${ARG_DEPENDS}
      COMMENT "BPF: ${name} compiles on its own"
      VERBATIM)
    list(APPEND stamps ${stamp})
  endforeach()
  add_custom_target(${NAME} ALL DEPENDS ${stamps})
endfunction()
