// See socket_glue.h. The only file that includes rabbitmq-c's private socket interface.
#include "base/amqp/internal/socket_glue.h"

#include <stdlib.h>

#include "amqp_private.h"
#include "amqp_socket.h"

_Static_assert((int)kMigAmqpSocketNeedRead == (int)AMQP_PRIVATE_STATUS_SOCKET_NEEDREAD, "rabbitmq-c changed NEEDREAD");
_Static_assert((int)kMigAmqpSocketNeedWrite == (int)AMQP_PRIVATE_STATUS_SOCKET_NEEDWRITE,
               "rabbitmq-c changed NEEDWRITE");

// A rabbitmq-c socket object: its class pointer first, as rabbitmq-c requires, then what it forwards to.
typedef struct GlueSocket {
  const struct amqp_socket_class_t* klass;
  void* self;
  const MigAmqpSocketOps* ops;
} GlueSocket;

static ssize_t GlueSend(void* base, const void* buf, size_t len, int flags) {
  GlueSocket* s = (GlueSocket*)base;
  return s->ops->send(s->self, buf, len, flags);
}

static ssize_t GlueRecv(void* base, void* buf, size_t len, int flags) {
  GlueSocket* s = (GlueSocket*)base;
  return s->ops->recv(s->self, buf, len, flags);
}

static int GlueOpen(void* base, const char* host, int port, const struct timeval* timeout) {
  GlueSocket* s = (GlueSocket*)base;
  return s->ops->open(s->self, host, port, timeout);
}

static int GlueClose(void* base, amqp_socket_close_enum force) {
  GlueSocket* s = (GlueSocket*)base;
  return s->ops->close(s->self, force == AMQP_SC_FORCE);
}

static int GlueGetSockfd(void* base) {
  GlueSocket* s = (GlueSocket*)base;
  return s->ops->get_sockfd(s->self);
}

static void GlueDelete(void* base) {
  GlueSocket* s = (GlueSocket*)base;
  if (s == NULL) return;
  s->ops->destroy(s->self);
  free(s);
}

static const struct amqp_socket_class_t kGlueClass = {
    GlueSend, GlueRecv, GlueOpen, GlueClose, GlueGetSockfd, GlueDelete,
};

amqp_socket_t* MigAmqpSocketNew(amqp_connection_state_t state, void* self, const MigAmqpSocketOps* ops) {
  GlueSocket* s = (GlueSocket*)calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  s->klass = &kGlueClass;
  s->self = self;
  s->ops = ops;
  amqp_set_socket(state, (amqp_socket_t*)s);
  return (amqp_socket_t*)s;
}
