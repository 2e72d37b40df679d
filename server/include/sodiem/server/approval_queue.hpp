// Where each class's confirmation chain of a term stands (subject → class →
// review → approve), for the console's Phê duyệt page: every step's
// signature judged by step_signature() (confirmations.hpp), the rule signing
// itself applies, and the class board as the class-level steps sign it.
// Reads only; the caller's connection and thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct SubjectStep {
  std::string subject;
  StepSignature signature;
};

struct ClassChain {
  std::int64_t class_id = 0;
  std::string class_name;
  int grade = 0;
  std::vector<SubjectStep> subjects;  // each subject the class step needs
  StepSignature homeroom, review, approve;
  // The first step not validly signed: "subject", "class", "review",
  // "approve"; "" once approved.
  std::string waiting;
};

// Every current class of the school year, in name order. term: HK1 | HK2.
std::vector<ClassChain> approval_queue(store::Db& db, const std::string& term);
ClassChain class_chain(store::Db& db, std::int64_t class_id, const std::string& class_name, int grade,
                       const std::string& term);

// The class board a class-level step signs, from the server's data: the
// canonical document of `step` (server_document), its digest (what the
// signer's client signs), the board's lines (board::summary_board) and the
// required cells still empty (board::missing_cells: while any is, no
// class-level step may be signed).
struct SignedBoard {
  std::string step, document, digest;
  std::vector<signing::CellLine> lines;
  std::vector<board::MissingCell> missing;
};
SignedBoard class_board(store::Db& db, std::int64_t class_id, const std::string& term, const std::string& step);

}  // namespace sodiem::server
