// The printed records (issue 17) from the server's authoritative data: a
// class's grade book for one subject (sổ theo dõi và đánh giá học sinh) for
// a term (HK1, HK2) or the year (CN), and the class summary board (bảng
// tổng hợp kết quả đánh giá) of a term. Each PDF carries the confirmation
// chain's signatures and the SHA-256 digest of the canonical document each
// step signed, checked against the data as it stands; anything the
// principal has not approved prints as a draft (BẢN NHÁP). Called by the
// `print` command (and later the console and the teacher's ui).
#pragma once
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::server {

[[nodiscard]] Status print_gradebook(sqlite::Db& db, const std::string& class_name, const std::string& subject,
                                     const std::string& term, const std::string& path);
[[nodiscard]] Status print_board(sqlite::Db& db, const std::string& class_name, const std::string& term,
                                 const std::string& path);

}  // namespace sodiem::server
