#ifndef EVALGATE_CCURL_SHIM_H
#define EVALGATE_CCURL_SHIM_H
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

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

/* The socket interface: libcurl says which sockets to watch and when to call it back; evalgate
   watches them with epoll, so a wake-up costs the sockets that are ready, not all of them. */
typedef struct {
    int epoll;                  /* the epoll instance libcurl's sockets are registered in */
    long long deadline_ns;      /* when libcurl wants to be called for its timers; -1: no timer */
    CURLM *multi;               /* the multi handle, to mark the sockets registered in `epoll` */
} evalgate_curl_sockets;

static inline long long evalgate_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static inline int evalgate_curl_socket_callback(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp) {
    (void)easy;
    evalgate_curl_sockets *state = (evalgate_curl_sockets *)userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(state->epoll, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    struct epoll_event event = {0};
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = socket;
    /* A socket registered in the epoll instance carries the state as libcurl's socket pointer
       (`curl_multi_assign`), which libcurl forgets when it says CURL_POLL_REMOVE: so a socket is
       added or modified with one call. Trying MOD first failed once a request, since a cached
       connection's socket is removed between its requests. */
    if (socketp == state) {
        if (epoll_ctl(state->epoll, EPOLL_CTL_MOD, socket, &event) != 0) epoll_ctl(state->epoll, EPOLL_CTL_ADD, socket, &event);
    } else {
        if (epoll_ctl(state->epoll, EPOLL_CTL_ADD, socket, &event) != 0) epoll_ctl(state->epoll, EPOLL_CTL_MOD, socket, &event);
        curl_multi_assign(state->multi, socket, state);
    }
    return 0;
}

static inline int evalgate_curl_timer_callback(CURLM *multi, long timeout_ms, void *userp) {
    (void)multi;
    evalgate_curl_sockets *state = (evalgate_curl_sockets *)userp;
    state->deadline_ns = timeout_ms < 0 ? -1 : evalgate_monotonic_ns() + (long long)timeout_ms * 1000000LL;
    return 0;
}

static inline void evalgate_curl_multi_use_epoll(CURLM *multi, evalgate_curl_sockets *state) {
    state->multi = multi;
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, evalgate_curl_socket_callback);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, state);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, evalgate_curl_timer_callback);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, state);
}

/* Waits up to `timeout_ms` and returns the ready sockets with libcurl's CURL_CSELECT_* flags
   (the wake-up eventfd among them, with flag 0, already drained). */
static inline int evalgate_epoll_wait(int epoll, int wakeup, int timeout_ms, int *sockets, int *flags, int capacity) {
    struct epoll_event events[512];
    if (capacity > 512) capacity = 512;
    int count = epoll_wait(epoll, events, capacity, timeout_ms);
    for (int index = 0; index < count; index++) {
        int socket = events[index].data.fd;
        sockets[index] = socket;
        if (socket == wakeup) {
            eventfd_t value;
            eventfd_read(wakeup, &value);
            flags[index] = 0;
            continue;
        }
        unsigned ready = events[index].events;
        flags[index] = ((ready & EPOLLIN) ? CURL_CSELECT_IN : 0) | ((ready & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
            | ((ready & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
    }
    return count;
}

static inline int evalgate_epoll_watch_wakeup(int epoll, int wakeup) {
    struct epoll_event event = {0};
    event.events = EPOLLIN;
    event.data.fd = wakeup;
    return epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event);
}

static inline CURLMcode evalgate_curl_socket_action(CURLM *multi, int socket, int flags, int *running) {
    return curl_multi_socket_action(multi, (curl_socket_t)socket, flags, running);
}

static inline CURLMcode evalgate_curl_timeout_action(CURLM *multi, int *running) {
    return curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, running);
}
#endif
