/* pico/error.h — the SDK's error codes (pico-sdk
 * src/common/pico_base_headers/include/pico/error.h, SDK 2.2.0): negative, so
 * that a function can return either a count or an error. The values are the
 * SDK's; programs compare against them. */
#ifndef LINKRIG_PICO_ERROR_H
#define LINKRIG_PICO_ERROR_H

enum pico_error_codes {
    PICO_OK = 0,
    PICO_ERROR_NONE = 0,
    PICO_ERROR_GENERIC = -1,
    PICO_ERROR_TIMEOUT = -2,
    PICO_ERROR_NO_DATA = -3,
    PICO_ERROR_NOT_PERMITTED = -4,
    PICO_ERROR_INVALID_ARG = -5,
    PICO_ERROR_IO = -6,
    PICO_ERROR_BADAUTH = -7,
    PICO_ERROR_CONNECT_FAILED = -8,
    PICO_ERROR_INSUFFICIENT_RESOURCES = -9,
    PICO_ERROR_INVALID_ADDRESS = -10,
    PICO_ERROR_BAD_ALIGNMENT = -11,
    PICO_ERROR_INVALID_STATE = -12,
    PICO_ERROR_BUFFER_TOO_SMALL = -13,
    PICO_ERROR_PRECONDITION_NOT_MET = -14,
    PICO_ERROR_MODIFIED_DATA = -15,
    PICO_ERROR_INVALID_DATA = -16,
    PICO_ERROR_NOT_FOUND = -17,
    PICO_ERROR_UNSUPPORTED_MODIFICATION = -18,
    PICO_ERROR_LOCK_REQUIRED = -19,
    PICO_ERROR_VERSION_MISMATCH = -20,
    PICO_ERROR_RESOURCE_IN_USE = -21,
};

#endif
