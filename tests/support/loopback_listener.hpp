// A TCP socket listening on 127.0.0.1 at a port the kernel picks, for tests
// that play a server byte by byte or a silent one (cli_network_test,
// upgrade_bound_test, pg_db_test). The caller closes `fd`.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

namespace sodiem::testing {

struct LoopbackListener {
  int fd = -1;
  int port = 0;
};

inline LoopbackListener listen_on_loopback(int backlog = 4) {
  LoopbackListener l;
  l.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(l.fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(l.fd, backlog) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  l.port = ntohs(addr.sin_port);
  return l;
}

}  // namespace sodiem::testing
