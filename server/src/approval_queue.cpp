// The approvals queue and the board a class-level step signs (see
// approval_queue.hpp).
#include "sodiem/server/approval_queue.hpp"

#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/class_subjects.hpp"

namespace sodiem::server {

ClassChain class_chain(store::Db& db, std::int64_t class_id, const std::string& class_name, int grade,
                       const std::string& term) {
  ClassChain c;
  c.class_id = class_id;
  c.class_name = class_name;
  c.grade = grade;
  using State = StepSignature::State;
  bool subjects_done = true;
  for (const auto& [id, name] : subjects_to_confirm(db, class_id)) {
    c.subjects.push_back({name, step_signature(db, class_id, id, term, "subject")});
    subjects_done = subjects_done && c.subjects.back().signature.state == State::kValid;
  }
  c.homeroom = step_signature(db, class_id, -1, term, "class");
  c.review = step_signature(db, class_id, -1, term, "review");
  c.approve = step_signature(db, class_id, -1, term, "approve");
  if (!subjects_done) c.waiting = "subject";
  else if (c.homeroom.state != State::kValid) c.waiting = "class";
  else if (c.review.state != State::kValid) c.waiting = "review";
  else if (c.approve.state != State::kValid) c.waiting = "approve";
  return c;
}

std::vector<ClassChain> approval_queue(store::Db& db, const std::string& term) {
  std::vector<ClassChain> out;
  auto s = db.prepare("SELECT id, name, grade FROM current_classes ORDER BY grade, name");
  while (s.step()) out.push_back(class_chain(db, s.int64(0), s.text(1), static_cast<int>(s.int64(2)), term));
  return out;
}

SignedBoard class_board(store::Db& db, std::int64_t class_id, const std::string& term, const std::string& step) {
  SignedBoard b;
  b.step = step;
  const board::ClassBook book = load_class_book(db, class_id);
  b.lines = board::summary_board(term, book);
  b.missing = board::missing_cells(book, term);
  b.document = server_document(db, class_id, -1, term, step);
  b.digest = signing::digest_hex(b.document);
  return b;
}

}  // namespace sodiem::server
