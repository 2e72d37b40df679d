// UiApi: the JSON API of `sodiem ui` (client/ui/API.md). Each handler is a
// thin adapter: it bounds and checks the request's fields, then calls the
// same LocalStore methods and client actions as the CLI (record, resolve,
// request_correction, enroll_device, sign_step, change_password). Quick
// calls run on the io thread with the ui's store; those that need the server
// run as SyncAgent jobs and answer when done.
#pragma once
#include <string>

#include "sodiem/client/local_store.hpp"
#include "sync_agent.hpp"
#include "ui_guard.hpp"
#include "ui_http.hpp"

namespace sodiem::client::ui {

class UiApi {
 public:
  UiApi(LocalStore& store, SyncAgent& agent, std::string data_dir, const UiGuard& guard);
  void handle(UiRequest&& req, UiHttpServer::Respond respond);

 private:
  LocalStore& store_;
  SyncAgent& agent_;
  const std::string dir_;
  const UiGuard& guard_;
};

}  // namespace sodiem::client::ui
