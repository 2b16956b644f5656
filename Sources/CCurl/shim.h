#ifndef EVALGATE_CCURL_SHIM_H
#define EVALGATE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which Swift cannot
   call. These typed wrappers pass each kind of argument the way libcurl expects it. */

typedef size_t (*evalgate_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode evalgate_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode evalgate_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode evalgate_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode evalgate_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode evalgate_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode evalgate_curl_setopt_callback(CURL *handle, CURLoption option, evalgate_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLMcode evalgate_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLcode evalgate_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
/* CURLMsg.data is a union; Swift reads the result code through this. */
static inline CURLcode evalgate_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}
#endif
