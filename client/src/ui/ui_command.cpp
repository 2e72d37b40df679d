// `sodiem ui`: serves the teacher's grade book on loopback until SIGTERM or
// SIGINT (see client/ui/API.md). Opens the store, starts the sync agent and
// the HTTP server, prints the launch URL with its per-launch token and opens
// the browser. Called by main.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "sodiem/client/commands.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/core/file_guard.hpp"
#include "sync_agent.hpp"
#include "ui_api.hpp"
#include "ui_guard.hpp"
#include "ui_http.hpp"
#include "ui_instance.hpp"

extern char** environ;

namespace sodiem::client {

namespace {

// Opens the launch page in the desktop's browser ($BROWSER first, as
// sensible-browser does), if there is one; never waits for it. The browser
// gets the page's path, not the URL: a command line is readable by every
// local user, and the URL holds the token.
void open_browser(const std::string& dir, const std::string& url) {
  const std::string page = ui::write_launch_page(dir, url);
  if (page.empty()) {
    std::cerr << "sodiem ui: không ghi được trang mở đầu; hãy mở địa chỉ trên bằng tay\n";
    return;
  }
  std::vector<std::string> openers;
  if (const char* chosen = std::getenv("BROWSER"); chosen && *chosen) openers.emplace_back(chosen);
  for (const char* opener : {"/usr/bin/xdg-open", "/usr/bin/sensible-browser", "/usr/bin/x-www-browser"})
    if (::access(opener, X_OK) == 0) openers.emplace_back(opener);
  for (const auto& opener : openers) {
    pid_t pid = 0;
    const char* argv[] = {opener.c_str(), page.c_str(), nullptr};
    if (posix_spawnp(&pid, opener.c_str(), nullptr, nullptr, const_cast<char* const*>(argv), environ) == 0) {
      // Reaped by SIGCHLD being ignored below.
      return;
    }
  }
  std::cerr << "sodiem ui: không mở được trình duyệt; hãy mở địa chỉ trên bằng tay\n";
}

}  // namespace

int cmd_ui(const std::string& dir, const std::string& listen, bool browser) {
  std::string address = "127.0.0.1";
  unsigned short port = 0;
  if (!listen.empty()) {
    const auto colon = listen.rfind(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("");
      address = listen.substr(0, colon);
      const long p = std::stol(listen.substr(colon + 1));
      if (p < 0 || p > 65535) throw std::invalid_argument("");
      port = static_cast<unsigned short>(p);
    } catch (const std::exception&) {
      std::cerr << "sodiem ui: --listen phải có dạng 127.0.0.1:CỔNG\n";
      return 2;
    }
  }
  // The store is opened (and checked) before anything is served.
  auto store = std::make_unique<LocalStore>(dir);
  restrict_data_dir(dir);
  // One ui per data directory (a second would sync the same outbox twice
  // and the two pages would log each other out).
  std::string refusal;
  auto instance = ui::UiInstance::claim(dir, refusal);
  if (!instance) {
    std::cerr << "sodiem ui: " << refusal << "\n";
    return 2;
  }
  std::signal(SIGCHLD, SIG_IGN);  // the browser opener is never waited for

  boost::asio::io_context ioc(1);
  ui::SyncAgent agent(dir);
  std::unique_ptr<ui::UiGuard> guard;
  std::unique_ptr<ui::UiHttpServer> server;
  std::unique_ptr<ui::UiApi> api;
  const std::string token = crypto::random_hex(32);
  // The Host the page must use is known once the port is.
  guard = std::make_unique<ui::UiGuard>(token, crypto::random_hex(32), "");
  api = std::make_unique<ui::UiApi>(*store, agent, dir, *guard);
  server = std::make_unique<ui::UiHttpServer>(ioc, *guard, [&](ui::UiRequest&& req, ui::UiHttpServer::Respond respond) {
    api->handle(std::move(req), std::move(respond));
  });
  try {
    port = server->listen(address, port);
  } catch (const std::exception& e) {
    std::cerr << "sodiem ui: " << e.what() << "\n";
    return 2;
  }
  *guard = ui::UiGuard(token, guard->csrf(), address + ":" + std::to_string(port));
  instance->announce("http://" + address + ":" + std::to_string(port) + "/ (tiến trình " + std::to_string(::getpid()) +
                     ")");
  agent.start();

  const std::string url = "http://" + address + ":" + std::to_string(port) + "/?token=" + token;
  std::cout << "Sổ điểm đang chạy: mở " << url << " trong trình duyệt (Ctrl+C để dừng)" << std::endl;
  if (browser) open_browser(dir, url);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server->stop();
    ioc.stop();
  });
  ioc.run();
  // Every write was its own committed transaction: stopping now loses
  // nothing. The agent finishes its sync round if it can.
  const bool quiet = agent.stop(std::chrono::seconds(5));
  std::cout << "Đã dừng sodiem ui" << (quiet ? "" : " (phiên đồng bộ dở dang sẽ làm lại lần sau)") << std::endl;
  api.reset();
  server.reset();
  store.reset();
  if (!quiet) std::_Exit(0);
  return 0;
}

}  // namespace sodiem::client
