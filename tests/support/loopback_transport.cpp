#include "loopback_transport.hpp"

namespace sodiem::testing {

LoopbackTransport::LoopbackTransport(server::SyncService& service, CutPlan plan)
    : service_(service), plan_(plan) {}

LoopbackTransport::~LoopbackTransport() { close(); }

Status LoopbackTransport::connect() {
  inbox_ = std::make_shared<Inbox>();
  inbox_->drop_after = plan_.after_receive;
  std::weak_ptr<Inbox> weak = inbox_;
  peer_ = service_.open_peer([weak](std::string bytes, bool close_after) {
    auto inbox = weak.lock();
    if (!inbox) return;
    std::lock_guard lock(inbox->mutex);
    if (inbox->closed) return;
    ++inbox->produced;
    if (inbox->drop_after >= 0 && inbox->produced > inbox->drop_after) {
      inbox->closed = true;  // the link died: this reply and all later ones are lost
    } else {
      inbox->messages.push_back(std::move(bytes));
      if (close_after) inbox->closed = true;
    }
    inbox->cv.notify_all();
  });
  return Status::ok();
}

void LoopbackTransport::cut() {
  cut_ = true;
  if (peer_) service_.close_peer(peer_);
  if (inbox_) {
    std::lock_guard lock(inbox_->mutex);
    inbox_->closed = true;
    inbox_->cv.notify_all();
  }
}

Status LoopbackTransport::send(std::string bytes) {
  if (cut_ || !peer_) return Status(ErrorCode::kUnavailable, "loopback: connection cut");
  ++sends_;
  if (plan_.before_send == sends_) {
    cut();
    return Status(ErrorCode::kUnavailable, "loopback: connection cut before send");
  }
  stats_.bytes_sent += bytes.size();
  service_.on_message(peer_, bytes);
  return Status::ok();
}

Result<std::string> LoopbackTransport::receive(std::chrono::milliseconds timeout) {
  if (!inbox_) return Status(ErrorCode::kUnavailable, "loopback: not connected");
  std::unique_lock lock(inbox_->mutex);
  inbox_->cv.wait_for(lock, timeout, [&] { return !inbox_->messages.empty() || inbox_->closed; });
  if (inbox_->messages.empty()) {
    lock.unlock();
    cut();
    return Status(ErrorCode::kUnavailable, "loopback: connection lost");
  }
  std::string m = std::move(inbox_->messages.front());
  inbox_->messages.pop_front();
  stats_.bytes_received += m.size();
  return m;
}

void LoopbackTransport::close() {
  if (peer_) service_.close_peer(peer_);
  peer_.reset();
}

}  // namespace sodiem::testing
