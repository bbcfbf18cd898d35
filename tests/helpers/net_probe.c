/*
 * net_probe: performs network operations from inside a confined process and prints, one
 * line each, the verdict the kernel gave the caller: "OP: ok" or "OP: errno N (NAME)". Each
 * argument is one operation, its words separated by spaces; they run in order, so one
 * confined run answers many questions (tests/vm/guest/network_test.cc).
 *
 *   socket FAMILY TYPE PROTOCOL         numbers, e.g. "socket 17 3 0" (AF_PACKET, SOCK_RAW)
 *   connect tcp|udp|mptcp|icmp ADDR PORT
 *   sendto udp|icmp ADDR PORT           unconnected; icmp sends an echo request
 *   sendmsg udp ADDR PORT               sendmsg with msg_name
 *   sendmmsg udp ADDR PORT ADDR PORT    two messages: the verdict of the call and its count
 *   connected-sendto udp ADDR PORT ADDR PORT
 *                                       connect to the first, sendto the second
 *   fastopen tcp|mptcp ADDR PORT        sendto(MSG_FASTOPEN): TCP Fast Open's connect
 *   fastopen-connect ADDR PORT          TCP_FASTOPEN_CONNECT, connect, write
 *   bind tcp|udp ADDR PORT              bind (and listen, for tcp)
 *   bind-v6only tcp ADDR PORT           the same with IPV6_V6ONLY set
 *   listen tcp                          listen() on an unbound socket (an ephemeral port)
 *   source-route                        setsockopt(IP_OPTIONS, loose source route)
 *   unix-connect PATH|@NAME             a stream connect to a unix socket
 *   unix-sendto PATH|@NAME              a datagram to a unix socket
 *   unix-self @NAME                     listen on an abstract name and connect to it
 *   uring-connect ADDR PORT             io_uring's IORING_OP_CONNECT (tcp)
 *   uring-sendmsg ADDR PORT             io_uring's IORING_OP_SENDMSG with msg_name (udp)
 *
 * "-o FILE" first writes the lines to FILE instead of standard output (for a process whose
 * output nobody reads, such as one a container runtime spawns).
 *
 * ADDR is an IPv4 or IPv6 literal (an IPv6 one, ::ffff:a.b.c.d included, makes an AF_INET6
 * socket). Exit status: 0 when every operation ran (whatever its verdict), 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

static int verdict(const char* op, int err) {
  if (err == 0)
    printf("%s: ok\n", op);
  else
    printf("%s: errno %d (%s)\n", op, err, strerror(err));
  fflush(stdout);
  return 0;
}

struct address {
  struct sockaddr_storage storage;
  socklen_t length;
  int family;
};

static int parse_address(const char* text, const char* port, struct address* out) {
  memset(out, 0, sizeof(*out));
  struct sockaddr_in* in4 = (struct sockaddr_in*)&out->storage;
  struct sockaddr_in6* in6 = (struct sockaddr_in6*)&out->storage;
  if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)atoi(port));
    out->length = sizeof(*in4);
    out->family = AF_INET;
    return 0;
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)atoi(port));
    out->length = sizeof(*in6);
    out->family = AF_INET6;
    return 0;
  }
  return -1;
}

/* A socket of the named kind for the address's family; -errno on failure. */
static int make_socket(const char* kind, int family) {
  int type = SOCK_STREAM, protocol = 0;
  if (strcmp(kind, "udp") == 0) {
    type = SOCK_DGRAM;
  } else if (strcmp(kind, "mptcp") == 0) {
    protocol = IPPROTO_MPTCP;
  } else if (strcmp(kind, "icmp") == 0) {
    type = SOCK_DGRAM;
    protocol = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  }
  int fd = socket(family, type | SOCK_CLOEXEC, protocol);
  return fd < 0 ? -errno : fd;
}

/* An ICMP echo request (the kernel fills in id and checksum for ping sockets). */
static void echo_request(unsigned char* packet, size_t size, int family) {
  memset(packet, 0, size);
  packet[0] = family == AF_INET ? 8 : 128; /* ICMP_ECHO, ICMPV6_ECHO_REQUEST */
}

static int op_connect(const char* kind, const char* host, const char* port) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket(kind, a.family);
  if (fd < 0) return fd;
  int err = connect(fd, (struct sockaddr*)&a.storage, a.length) ? errno : 0;
  close(fd);
  return -err;
}

static int op_sendto(const char* kind, const char* host, const char* port, int use_sendmsg) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket(kind, a.family);
  if (fd < 0) return fd;
  unsigned char payload[16];
  echo_request(payload, sizeof(payload), a.family);
  int err = 0;
  if (use_sendmsg) {
    struct iovec iov = {payload, sizeof(payload)};
    struct msghdr msg = {.msg_name = &a.storage, .msg_namelen = a.length, .msg_iov = &iov,
                         .msg_iovlen = 1};
    err = sendmsg(fd, &msg, 0) < 0 ? errno : 0;
  } else {
    err = sendto(fd, payload, sizeof(payload), 0, (struct sockaddr*)&a.storage, a.length) < 0
              ? errno
              : 0;
  }
  close(fd);
  return -err;
}

/* sendmmsg of two datagrams: ok only when both went; else the errno of the refused one. */
static int op_sendmmsg(const char* host1, const char* port1, const char* host2,
                       const char* port2) {
  struct address a, b;
  if (parse_address(host1, port1, &a) || parse_address(host2, port2, &b)) return -EINVAL;
  int fd = make_socket("udp", a.family);
  if (fd < 0) return fd;
  char payload[] = "x";
  struct iovec iov = {payload, 1};
  struct mmsghdr messages[2] = {
      {.msg_hdr = {.msg_name = &a.storage, .msg_namelen = a.length, .msg_iov = &iov,
                   .msg_iovlen = 1}},
      {.msg_hdr = {.msg_name = &b.storage, .msg_namelen = b.length, .msg_iov = &iov,
                   .msg_iovlen = 1}}};
  int sent = sendmmsg(fd, messages, 2, 0);
  int err = sent < 0 ? errno : 0;
  if (sent == 1) {
    /* The second was refused: sendmmsg reports the first's success; ask for the second. */
    err = sendto(fd, payload, 1, 0, (struct sockaddr*)&b.storage, b.length) < 0 ? errno : 0;
  }
  close(fd);
  return -err;
}

static int op_connected_sendto(const char* host1, const char* port1, const char* host2,
                               const char* port2) {
  struct address a, b;
  if (parse_address(host1, port1, &a) || parse_address(host2, port2, &b)) return -EINVAL;
  int fd = make_socket("udp", a.family);
  if (fd < 0) return fd;
  int err = connect(fd, (struct sockaddr*)&a.storage, a.length) ? errno : 0;
  if (!err && send(fd, "x", 1, 0) < 0) err = errno;
  if (!err && sendto(fd, "x", 1, 0, (struct sockaddr*)&b.storage, b.length) < 0) err = errno;
  close(fd);
  return -err;
}

static int op_fastopen(const char* kind, const char* host, const char* port) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket(kind, a.family);
  if (fd < 0) return fd;
  int err = sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr*)&a.storage, a.length) < 0 ? errno
                                                                                           : 0;
  if (err == EINPROGRESS) err = 0; /* a connect under way */
  close(fd);
  return -err;
}

static int op_fastopen_connect(const char* host, const char* port) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket("tcp", a.family);
  if (fd < 0) return fd;
  int one = 1;
  int err = setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)) ? errno : 0;
  if (!err) err = connect(fd, (struct sockaddr*)&a.storage, a.length) ? errno : 0;
  if (!err && write(fd, "x", 1) < 0 && errno != EINPROGRESS) err = errno;
  close(fd);
  return -err;
}

static int op_bind(const char* kind, const char* host, const char* port, int v6only) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket(kind, a.family);
  if (fd < 0) return fd;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (v6only) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  int err = bind(fd, (struct sockaddr*)&a.storage, a.length) ? errno : 0;
  if (!err && strcmp(kind, "udp") != 0) err = listen(fd, 1) ? errno : 0;
  close(fd);
  return -err;
}

static int op_listen_unbound(void) {
  int fd = make_socket("tcp", AF_INET);
  if (fd < 0) return fd;
  int err = listen(fd, 1) ? errno : 0;
  close(fd);
  return -err;
}

static int op_source_route(void) {
  int fd = make_socket("tcp", AF_INET);
  if (fd < 0) return fd;
  /* Loose source route through 127.0.0.1: type 131, length 7, pointer 4, one address. */
  unsigned char options[8] = {131, 7, 4, 127, 0, 0, 1, 0};
  int err = setsockopt(fd, IPPROTO_IP, IP_OPTIONS, options, sizeof(options)) ? errno : 0;
  close(fd);
  return -err;
}

static socklen_t unix_address(const char* name, struct sockaddr_un* address) {
  memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  size_t length = strlen(name);
  if (name[0] == '@') {
    memcpy(address->sun_path + 1, name + 1, length - 1); /* abstract: a leading NUL */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length);
  }
  memcpy(address->sun_path, name, length);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1);
}

static int op_unix(const char* name, int type) {
  struct sockaddr_un address;
  socklen_t length = unix_address(name, &address);
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int err;
  if (type == SOCK_STREAM)
    err = connect(fd, (struct sockaddr*)&address, length) ? errno : 0;
  else
    err = sendto(fd, "x", 1, 0, (struct sockaddr*)&address, length) < 0 ? errno : 0;
  close(fd);
  return -err;
}

static int op_unix_self(const char* name) {
  struct sockaddr_un address;
  socklen_t length = unix_address(name, &address);
  int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0) return -errno;
  int err = bind(server, (struct sockaddr*)&address, length) || listen(server, 1) ? errno : 0;
  if (!err) err = -op_unix(name, SOCK_STREAM);
  close(server);
  return -err;
}

/* io_uring without liburing: one submission, one completion. */
static int uring_one(struct io_uring_sqe* sqe_in) {
  struct io_uring_params params;
  memset(&params, 0, sizeof(params));
  int ring = (int)syscall(__NR_io_uring_setup, 4, &params);
  if (ring < 0) return -errno;
  size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
  size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
  unsigned char* sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                           ring, IORING_OFF_SQ_RING);
  unsigned char* cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                           ring, IORING_OFF_CQ_RING);
  struct io_uring_sqe* sqes =
      mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
           MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
    close(ring);
    return -ENOMEM;
  }
  unsigned* tail = (unsigned*)(sq + params.sq_off.tail);
  unsigned* mask = (unsigned*)(sq + params.sq_off.ring_mask);
  unsigned* array = (unsigned*)(sq + params.sq_off.array);
  unsigned index = *tail & *mask;
  sqes[index] = *sqe_in;
  array[index] = index;
  __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
  int entered = (int)syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
  int result = entered < 0 ? -errno : 0;
  if (entered >= 0) {
    unsigned* head = (unsigned*)(cq + params.cq_off.head);
    struct io_uring_cqe* cqes = (struct io_uring_cqe*)(cq + params.cq_off.cqes);
    unsigned cq_mask = *(unsigned*)(cq + params.cq_off.ring_mask);
    result = cqes[*head & cq_mask].res;
  }
  close(ring);
  return result < 0 ? result : 0;
}

static int op_uring_connect(const char* host, const char* port) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket("tcp", a.family);
  if (fd < 0) return fd;
  struct io_uring_sqe sqe;
  memset(&sqe, 0, sizeof(sqe));
  sqe.opcode = IORING_OP_CONNECT;
  sqe.fd = fd;
  sqe.addr = (uint64_t)(uintptr_t)&a.storage;
  sqe.off = a.length;
  int result = uring_one(&sqe);
  close(fd);
  return result;
}

static int op_uring_sendmsg(const char* host, const char* port) {
  struct address a;
  if (parse_address(host, port, &a)) return -EINVAL;
  int fd = make_socket("udp", a.family);
  if (fd < 0) return fd;
  char payload[] = "x";
  struct iovec iov = {payload, 1};
  struct msghdr msg = {.msg_name = &a.storage, .msg_namelen = a.length, .msg_iov = &iov,
                       .msg_iovlen = 1};
  struct io_uring_sqe sqe;
  memset(&sqe, 0, sizeof(sqe));
  sqe.opcode = IORING_OP_SENDMSG;
  sqe.fd = fd;
  sqe.addr = (uint64_t)(uintptr_t)&msg;
  sqe.len = 1;
  int result = uring_one(&sqe);
  close(fd);
  return result;
}

/* Runs one operation (its words in `w`, `n` of them); returns 0 or -errno, or 1 on usage. */
static int run(char** w, int n) {
  const char* op = w[0];
  if (strcmp(op, "socket") == 0 && n == 4) {
    int fd = socket(atoi(w[1]), atoi(w[2]) | SOCK_CLOEXEC, atoi(w[3]));
    if (fd < 0) return -errno;
    close(fd);
    return 0;
  }
  if (strcmp(op, "connect") == 0 && n == 4) return op_connect(w[1], w[2], w[3]);
  if (strcmp(op, "sendto") == 0 && n == 4) return op_sendto(w[1], w[2], w[3], 0);
  if (strcmp(op, "sendmsg") == 0 && n == 4) return op_sendto(w[1], w[2], w[3], 1);
  if (strcmp(op, "sendmmsg") == 0 && n == 6) return op_sendmmsg(w[2], w[3], w[4], w[5]);
  if (strcmp(op, "connected-sendto") == 0 && n == 6) {
    return op_connected_sendto(w[2], w[3], w[4], w[5]);
  }
  if (strcmp(op, "fastopen") == 0 && n == 4) return op_fastopen(w[1], w[2], w[3]);
  if (strcmp(op, "fastopen-connect") == 0 && n == 3) return op_fastopen_connect(w[1], w[2]);
  if (strcmp(op, "bind") == 0 && n == 4) return op_bind(w[1], w[2], w[3], 0);
  if (strcmp(op, "bind-v6only") == 0 && n == 4) return op_bind(w[1], w[2], w[3], 1);
  if (strcmp(op, "listen") == 0 && n == 2) return op_listen_unbound();
  if (strcmp(op, "source-route") == 0 && n == 1) return op_source_route();
  if (strcmp(op, "unix-connect") == 0 && n == 2) return op_unix(w[1], SOCK_STREAM);
  if (strcmp(op, "unix-sendto") == 0 && n == 2) return op_unix(w[1], SOCK_DGRAM);
  if (strcmp(op, "unix-self") == 0 && n == 2) return op_unix_self(w[1]);
  if (strcmp(op, "uring-connect") == 0 && n == 3) return op_uring_connect(w[1], w[2]);
  if (strcmp(op, "uring-sendmsg") == 0 && n == 3) return op_uring_sendmsg(w[1], w[2]);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: net_probe OPERATION... (see the top of net_probe.c)\n");
    return 2;
  }
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "-o") == 0) {
    if (!freopen(argv[2], "w", stdout)) {
      fprintf(stderr, "net_probe: %s: %s\n", argv[2], strerror(errno));
      return 2;
    }
    first = 3;
  }
  for (int i = first; i < argc; ++i) {
    char* copy = strdup(argv[i]);
    char* words[8];
    int n = 0;
    for (char* word = strtok(copy, " "); word && n < 8; word = strtok(NULL, " ")) words[n++] = word;
    int result = n > 0 ? run(words, n) : 1;
    if (result == 1) {
      fprintf(stderr, "net_probe: bad operation '%s'\n", argv[i]);
      return 2;
    }
    verdict(argv[i], -result);
    free(copy);
  }
  return 0;
}
