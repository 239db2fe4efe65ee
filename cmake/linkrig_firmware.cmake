# linkrig_add_firmware(<target>
#     [SDK pico_w]                 build a program written against the Pico SDK (see below)
#     SOURCES <file>...            the device's C sources (one of them defines app_main,
#                                  or main() with SDK pico_w)
#     LWIPOPTS_DIR <dir>           the folder holding the firmware's lwipopts.h
#     [INCLUDE_DIRS <dir>...]      more include folders for SOURCES
#     [LWIP_DIR <dir>]             an lwIP source tree (default: the one linkrig was built with)
#     [OUTPUT_DIRECTORY <dir>]     where <target>.so goes (default: the current binary dir)
#     [NO_APP_MAIN])               build an image without an entry point (for tests of
#                                  the rig's refusal; otherwise a missing app_main is a
#                                  link error)
#
# Builds a firmware image: a shared object holding the sources, lwIP built
# with the firmware's lwipopts.h, and linkrig's board glue (the HAL, chip and
# Ethernet calls forwarded to the rig, lwIP's NO_SYS port, the netif glue).
# Run it with `linkrig run --firmware <target>.so scenario.yaml`.
#
#
# SDK pico_w: the sources are a Raspberry Pi Pico W program written against
# the Pico SDK and the cyw43-driver in the pico_cyw43_arch_lwip_poll style,
# built unmodified: the layer in firmware_shim/sdk/pico_w (its headers on the
# include path, its sources in the image) provides pico/stdlib.h,
# pico/cyw43_arch.h, cyw43.h & co. over the board, and app_main() calling
# the program's main() (hidden inside the image like every symbol). printf,
# vprintf, puts and putchar are wrapped at link time, as the SDK's pico_stdio
# does, and go to the device's log. The program and lwIP are compiled with
# the defines of pico_cyw43_arch_lwip_poll (PICO_CYW43_ARCH_POLL=1,
# CYW43_LWIP=1), which lwipopts.h files test, and the program as GNU C11
# (-std=gnu11), as the SDK compiles it. README "Pico W programs".
#
# Expects LINKRIG_SHIM_INCLUDE_DIR, LINKRIG_IMAGE_GLUE_DIR, LINKRIG_SDK_DIR
# and LINKRIG_LWIP_DIR (set by linkrigConfig.cmake, or by linkrig's own
# top-level CMakeLists.txt).
include_guard(GLOBAL)

# The defines of the SDK's pico_cyw43_arch_lwip_poll library.
set(_LINKRIG_PICO_W_DEFS PICO_CYW43_ARCH_POLL=1 CYW43_LWIP=1 LIB_PICO_CYW43_ARCH=1 LIB_PICO_STDLIB=1
  LIB_PICO_STDIO=1 LINKRIG_SDK_PICO_W=1)
set(_LINKRIG_PICO_W_SOURCES pico_runtime.c pico_alarm.c async_context_poll.c cyw43_driver.c cyw43_arch.c)

function(_linkrig_lwip_objects out_var lwipopts_dir lwip_dir sdk)
  string(MD5 key "${lwipopts_dir}|${lwip_dir}|${sdk}")
  string(SUBSTRING "${key}" 0 12 key)
  set(lib linkrig_lwip_${key})
  if(NOT TARGET ${lib})
    if(NOT EXISTS "${lwip_dir}/src/include/lwip/init.h")
      message(FATAL_ERROR "linkrig_add_firmware: no lwIP source at '${lwip_dir}' (expected src/include/lwip/init.h)")
    endif()
    file(GLOB lwip_srcs
      ${lwip_dir}/src/core/*.c ${lwip_dir}/src/core/ipv4/*.c ${lwip_dir}/src/core/ipv6/*.c
      ${lwip_dir}/src/api/*.c)
    list(APPEND lwip_srcs ${lwip_dir}/src/netif/ethernet.c)
    # lwIP is third-party code: its warnings are not the firmware's to fix.
    set_source_files_properties(${lwip_srcs} PROPERTIES COMPILE_OPTIONS "-w")
    add_library(${lib} OBJECT ${lwip_srcs}
      ${LINKRIG_IMAGE_GLUE_DIR}/lwip_port.c ${LINKRIG_IMAGE_GLUE_DIR}/wifi_netif.c ${LINKRIG_IMAGE_GLUE_DIR}/wifi_ap_netif.c
      ${LINKRIG_IMAGE_GLUE_DIR}/eth_netif.c ${LINKRIG_IMAGE_GLUE_DIR}/netif_glue.c)
    set(port)
    if(sdk STREQUAL "pico_w")
      # Before lwipopts_dir: its lwipopts.h wraps the program's (host alignment).
      set(port ${LINKRIG_SDK_DIR}/pico_w/port)
    endif()
    target_include_directories(${lib} PRIVATE
      ${port} ${lwipopts_dir} ${LINKRIG_SHIM_INCLUDE_DIR} ${LINKRIG_IMAGE_GLUE_DIR} ${lwip_dir}/src/include)
    set_target_properties(${lib} PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden
      C_STANDARD 11)
    if(sdk STREQUAL "pico_w")
      # lwipopts.h may test them (pico-examples' do): lwIP must see the
      # same options as the program.
      target_compile_definitions(${lib} PRIVATE ${_LINKRIG_PICO_W_DEFS})
    endif()
  endif()
  set(${out_var} ${lib} PARENT_SCOPE)
endfunction()

function(linkrig_add_firmware target)
  cmake_parse_arguments(FW "NO_APP_MAIN" "SDK;LWIPOPTS_DIR;LWIP_DIR;OUTPUT_DIRECTORY" "SOURCES;INCLUDE_DIRS" ${ARGN})
  if(FW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "linkrig_add_firmware(${target}): unknown arguments: ${FW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT FW_SOURCES)
    message(FATAL_ERROR "linkrig_add_firmware(${target}): SOURCES is required")
  endif()
  if(NOT FW_LWIPOPTS_DIR)
    message(FATAL_ERROR "linkrig_add_firmware(${target}): LWIPOPTS_DIR is required (the folder of the firmware's lwipopts.h)")
  endif()
  get_filename_component(opts "${FW_LWIPOPTS_DIR}" ABSOLUTE)
  if(NOT EXISTS "${opts}/lwipopts.h")
    message(FATAL_ERROR "linkrig_add_firmware(${target}): no lwipopts.h in LWIPOPTS_DIR '${opts}'")
  endif()
  set(lwip "${FW_LWIP_DIR}")
  if(NOT lwip)
    set(lwip "${LINKRIG_LWIP_DIR}")
  endif()
  get_filename_component(lwip "${lwip}" ABSOLUTE)
  set(sdk_srcs)
  set(sdk_incs)
  set(sdk_port)
  if(FW_SDK)
    if(NOT FW_SDK STREQUAL "pico_w")
      message(FATAL_ERROR "linkrig_add_firmware(${target}): unknown SDK '${FW_SDK}' (known: pico_w)")
    endif()
    if(NOT EXISTS "${LINKRIG_SDK_DIR}/pico_w/include/pico/cyw43_arch.h")
      message(FATAL_ERROR "linkrig_add_firmware(${target}): no Pico W layer at '${LINKRIG_SDK_DIR}/pico_w'")
    endif()
    foreach(f ${_LINKRIG_PICO_W_SOURCES})
      list(APPEND sdk_srcs ${LINKRIG_SDK_DIR}/pico_w/src/${f})
    endforeach()
    set(sdk_incs ${LINKRIG_SDK_DIR}/pico_w/include)
    set(sdk_port ${LINKRIG_SDK_DIR}/pico_w/port)
  endif()
  _linkrig_lwip_objects(lwip_objs "${opts}" "${lwip}" "${FW_SDK}")

  add_library(${target} MODULE ${FW_SOURCES} ${sdk_srcs} ${LINKRIG_IMAGE_GLUE_DIR}/image_glue.c
    $<TARGET_OBJECTS:${lwip_objs}>)
  target_include_directories(${target} PRIVATE
    ${sdk_port} ${FW_INCLUDE_DIRS} ${opts} ${sdk_incs} ${LINKRIG_SHIM_INCLUDE_DIR} ${LINKRIG_IMAGE_GLUE_DIR} ${lwip}/src/include)
  if(FW_SDK STREQUAL "pico_w")
    target_compile_definitions(${target} PRIVATE ${_LINKRIG_PICO_W_DEFS})
    set_target_properties(${target} PROPERTIES C_EXTENSIONS ON)
    # pico_stdio's link-time wrapping; __printf_chk & co. are what printf
    # becomes under _FORTIFY_SOURCE.
    target_link_options(${target} PRIVATE
      -Wl,--wrap=printf,--wrap=vprintf,--wrap=puts,--wrap=putchar,--wrap=__printf_chk,--wrap=__vprintf_chk)
  endif()
  target_compile_definitions(${target} PRIVATE LINKRIG_IMAGE_NAME="${target}")
  # Only the descriptor leaves the image; everything else binds inside it,
  # so two instances never share a symbol with each other or with the rig.
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX ".so" C_STANDARD 11
    POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  if(FW_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${FW_OUTPUT_DIRECTORY}")
  endif()
  # A symbol the firmware uses but nothing defines is a build error here,
  # not a load error later.
  target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,-Bsymbolic)
  # An image without an entry point is a build error too, not a run-time one.
  if(NOT FW_NO_APP_MAIN)
    target_link_options(${target} PRIVATE -Wl,--require-defined=app_main)
  endif()
endfunction()
