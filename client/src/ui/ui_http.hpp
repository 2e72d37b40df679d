// UiHttpServer: the loopback HTTP server of `sodiem ui` (Beast). Each
// connection reads one bounded request at a time under a deadline (16 KiB
// of headers, 1 MiB of body, 30 s), lets the UiGuard admit it, then serves
// an embedded page file or hands an /api/ request to the handler, whose
// answer may come later from another thread. At most 64 connections: when
// full, the oldest one that never presented the token is closed for the new
// one. Runs on one io thread.
#pragma once
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "ui_guard.hpp"
#include "ui_types.hpp"

namespace sodiem::client::ui {

class UiHttpServer {
 public:
  using Respond = std::function<void(UiResponse)>;  // callable once, from any thread
  using Handler = std::function<void(UiRequest&& req, Respond respond)>;

  UiHttpServer(boost::asio::io_context& ioc, const UiGuard& guard, Handler handler);
  ~UiHttpServer();

  // Binds address:port (port 0: any free port) and starts accepting;
  // returns the bound port. Throws with a Vietnamese message on failure.
  unsigned short listen(const std::string& address, unsigned short port);
  // Stops accepting and closes open connections.
  void stop();

  struct Impl;  // the acceptor and open connections (ui_http.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

// One page file embedded at build time (ui_assets.cpp, generated from
// client/ui/web/); nullptr when there is none at that path ("/app.js").
struct UiAsset {
  const char* path;
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};
const UiAsset* find_ui_asset(std::string_view path);
// Every page file, ending with an entry whose path is nullptr.
const UiAsset* ui_assets();

// GET/HEAD of a page file (ui_static.cpp). "/" is index.html, with its
// references to the other files rewritten to /v/VERSION/… (VERSION: a hash
// of every page file), which are answered as immutable, so the browser
// keeps them across openings; the entry page itself is never cached.
UiResponse static_file(const UiRequest& req);

}  // namespace sodiem::client::ui
