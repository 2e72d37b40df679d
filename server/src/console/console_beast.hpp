// Between Beast's HTTP messages and the console's plain Request/Response:
// the only console code that sees Beast. Called by the WSS session
// (wss_session.cpp) on the I/O thread.
#pragma once
#include <boost/beast/http.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "sodiem/server/console/console.hpp"

namespace sodiem::server::console {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The request's fields the console reads (one Host field, or none when
// absent or repeated); the body is moved out. `server_name`: see Request.
Request from_beast(BeastRequest& msg, const std::string& address, const std::string& server_name = "");
// The body bound of a request, by its head: the roster import's upload
// (POST kImportPath) may take kConsoleMaxImportBytes, every other request
// kConsoleMaxBodyBytes.
std::size_t body_limit_of(const BeastRequest& head);
// The answer to a request whose body passes that bound (413, in Vietnamese,
// with the security headers).
Response body_too_large(std::size_t limit);
// The answer to an upload while others are being received (503, in Vietnamese).
Response uploads_busy();
// The answer to write; no body for HEAD. keep_alive: the connection stays
// open for the next request (else "Connection: close" and it is closed).
std::shared_ptr<BeastResponse> to_beast(Response res, unsigned version, bool head, bool keep_alive);

}  // namespace sodiem::server::console
