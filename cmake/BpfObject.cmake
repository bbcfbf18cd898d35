# bpf_skeleton(NAME SOURCE src.bpf.c [INCLUDES dir...] [DEPENDS file...] [DEFINES NAME...])
#
# Compiles one CO-RE BPF program and turns it into a libbpf skeleton header, exposed as the
# INTERFACE target <NAME>_skel (include <NAME>.skel.h). Nobody edits the generated header.
#
# If CVLSM_PREBUILT_SKELETON_DIR holds <NAME>.skel.h (generated on a machine with clang and
# bpftool), it is used as is, so the userspace and the unit tests build without them.
include_guard(GLOBAL)

set(CVLSM_PREBUILT_SKELETON_DIR "" CACHE PATH "Directory with prebuilt <name>.skel.h files")

function(bpf_skeleton NAME)
  cmake_parse_arguments(ARG "" "SOURCE" "INCLUDES;DEPENDS;DEFINES" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  set(object ${out_dir}/${NAME}.bpf.o)
  set(skeleton ${out_dir}/${NAME}.skel.h)

  if(CVLSM_PREBUILT_SKELETON_DIR AND EXISTS ${CVLSM_PREBUILT_SKELETON_DIR}/${NAME}.skel.h)
    configure_file(${CVLSM_PREBUILT_SKELETON_DIR}/${NAME}.skel.h ${skeleton} COPYONLY)
    add_custom_target(${NAME}_skel_gen)
  else()
    find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
    find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

    # The target architecture selects the committed vmlinux.h; it must name the kernel's
    # arch (x86, arm64), not the compiler's.
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
      set(bpf_arch x86)
    elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
      set(bpf_arch arm64)
    else()
      message(FATAL_ERROR "bpf_skeleton: no vmlinux.h for ${CMAKE_SYSTEM_PROCESSOR}")
    endif()

    set(include_flags)
    foreach(dir ${ARG_INCLUDES})
      list(APPEND include_flags -I${dir})
    endforeach()
    foreach(define ${ARG_DEFINES})
      list(APPEND include_flags -D${define})
    endforeach()

    # -g keeps BTF, which CO-RE relocation needs; -O2 is what the verifier expects;
    # -Werror because a warning in kernel-side code is a bug waiting for a kernel; -Wundef
    # so that a misspelt build-variant condition (#if CVLSM_HAS_...) fails the build.
    add_custom_command(
      OUTPUT ${object}
      COMMAND ${BPF_CLANG} -g -O2 -Wall -Wundef -Werror -target bpf -D__TARGET_ARCH_${bpf_arch}
              ${include_flags} -c ${ARG_SOURCE} -o ${object}
      DEPENDS ${ARG_SOURCE} ${ARG_DEPENDS}
      COMMENT "BPF ${NAME}: compiling ${ARG_SOURCE}"
      VERBATIM)

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
