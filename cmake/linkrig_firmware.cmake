# linkrig_add_firmware(<target>
#     SOURCES <file>...            the device's C sources (one of them defines app_main)
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
# Expects LINKRIG_SHIM_INCLUDE_DIR, LINKRIG_IMAGE_GLUE_DIR and LINKRIG_LWIP_DIR
# (set by linkrigConfig.cmake, or by linkrig's own top-level CMakeLists.txt).
include_guard(GLOBAL)

function(_linkrig_lwip_objects out_var lwipopts_dir lwip_dir)
  string(MD5 key "${lwipopts_dir}|${lwip_dir}")
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
      ${LINKRIG_IMAGE_GLUE_DIR}/lwip_port.c ${LINKRIG_IMAGE_GLUE_DIR}/wifi_netif.c
      ${LINKRIG_IMAGE_GLUE_DIR}/eth_netif.c ${LINKRIG_IMAGE_GLUE_DIR}/netif_glue.c)
    target_include_directories(${lib} PRIVATE
      ${lwipopts_dir} ${LINKRIG_SHIM_INCLUDE_DIR} ${LINKRIG_IMAGE_GLUE_DIR} ${lwip_dir}/src/include)
    set_target_properties(${lib} PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden
      C_STANDARD 11)
  endif()
  set(${out_var} ${lib} PARENT_SCOPE)
endfunction()

function(linkrig_add_firmware target)
  cmake_parse_arguments(FW "NO_APP_MAIN" "LWIPOPTS_DIR;LWIP_DIR;OUTPUT_DIRECTORY" "SOURCES;INCLUDE_DIRS" ${ARGN})
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
  _linkrig_lwip_objects(lwip_objs "${opts}" "${lwip}")

  add_library(${target} MODULE ${FW_SOURCES} ${LINKRIG_IMAGE_GLUE_DIR}/image_glue.c $<TARGET_OBJECTS:${lwip_objs}>)
  target_include_directories(${target} PRIVATE
    ${FW_INCLUDE_DIRS} ${opts} ${LINKRIG_SHIM_INCLUDE_DIR} ${LINKRIG_IMAGE_GLUE_DIR} ${lwip}/src/include)
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
