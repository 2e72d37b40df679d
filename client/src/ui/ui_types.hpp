// The request and response of the ui's HTTP layer as its handlers see them:
// plain strings, no Beast (internal to client/src/ui).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sodiem::client::ui {

struct UiRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // "/api/grid?class=6A&subject=To%C3%A1n"
  std::string host, cookie, token_header, csrf_header, content_type;
  std::string origin;    // the Origin field, if there was exactly one
  bool upgrade = false;  // a WebSocket handshake (the page's save channel)
  std::string body;
  // Filled by the guard: the target's path and decoded query parameters.
  std::string path;
  std::map<std::string, std::string> query;
};

struct UiResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace sodiem::client::ui
