// The bridge between rabbitmq-c's socket interface and a socket written in C++ (base/amqp/tls_socket.cc).
//
// rabbitmq-c keeps its socket interface private (amqp_socket.h), and that header cannot be compiled as C++
// (its vtable has a member named `delete`). This C header names what a C++ socket needs from it; the C file
// beside it is the only code that includes amqp_socket.h.
//
//   static const MigAmqpSocketOps kOps = {&Send, &Recv, &Open, &Close, &GetSockfd, &Delete};
//   amqp_socket_t* socket = MigAmqpSocketNew(state, my_socket, &kOps);  // state now owns it
#ifndef MIG_BASE_AMQP_INTERNAL_SOCKET_GLUE_H_
#define MIG_BASE_AMQP_INTERNAL_SOCKET_GLUE_H_

#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

#include "amqp.h"

#ifdef __cplusplus
extern "C" {
#endif

// What a socket's send and recv return when the operation would block: rabbitmq-c then polls the socket's
// file descriptor for reading or writing, and calls again. (amqp_private.h's AMQP_PRIVATE_STATUS_SOCKET_*.)
enum {
  kMigAmqpSocketNeedRead = -0x1301,
  kMigAmqpSocketNeedWrite = -0x1302,
};

// The operations of a socket; `self` is the pointer given to MigAmqpSocketNew. Same contracts as
// amqp_socket_class_t: send and recv return a byte count, kMigAmqpSocketNeed*, or an AMQP_STATUS_* error;
// recv returns AMQP_STATUS_CONNECTION_CLOSED at end of stream; close's `force` is nonzero when the
// connection is being abandoned (no TLS close_notify); destroy closes (if open) and frees.
typedef struct MigAmqpSocketOps {
  ssize_t (*send)(void* self, const void* buf, size_t len, int flags);
  ssize_t (*recv)(void* self, void* buf, size_t len, int flags);
  int (*open)(void* self, const char* host, int port, const struct timeval* timeout);
  int (*close)(void* self, int force);
  int (*get_sockfd)(void* self);
  void (*destroy)(void* self);
} MigAmqpSocketOps;

// Wraps `self` in a rabbitmq-c socket and installs it on `state`, which owns it from then on (and calls
// ops->destroy(self) when the connection is destroyed or gets another socket). NULL when out of memory, in
// which case nothing is installed and `self` still belongs to the caller.
amqp_socket_t* MigAmqpSocketNew(amqp_connection_state_t state, void* self, const MigAmqpSocketOps* ops);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // MIG_BASE_AMQP_INTERNAL_SOCKET_GLUE_H_
