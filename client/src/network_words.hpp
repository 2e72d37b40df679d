// The client's network failures in the teacher's words: the one table from a
// system error (resolver, connect, TLS, WebSocket, send, receive) to what
// happened and what to check, in Vietnamese. Called by wss_transport.cpp
// (connect, handshakes, send, receive: `sodiem sync`, enroll and the ui's
// agent all come there) and by its unit test (tests/unit/network_words_test.cpp).
#pragma once
#include <boost/system/error_code.hpp>
#include <string>

namespace sodiem::client {

// True when the TLS layer failed because the peer does not speak TLS at all
// (a plain HTTP server, another service on that port).
bool not_tls_peer(const boost::system::error_code& ec);

// The common failures in words, naming what to check; anything else as the
// system says it (ec.message()).
std::string network_words(const boost::system::error_code& ec);

}  // namespace sodiem::client
