#include "sodiem/core/column.hpp"

#include "sodiem/core/mark.hpp"

namespace sodiem {

std::optional<Column> Column::parse(std::string_view text) {
  if (text.size() < 6 || text.substr(0, 2) != "HK" || text[3] != '.') return std::nullopt;
  Column c;
  if (text[2] == '1') c.term = 1;
  else if (text[2] == '2') c.term = 2;
  else return std::nullopt;
  std::string_view rest = text.substr(4);
  if (rest == "GK") c.kind = Kind::kMidTerm;
  else if (rest == "CK") c.kind = Kind::kEndTerm;
  else if (rest.size() == 3 && rest.substr(0, 2) == "TX" && rest[2] >= '1' && rest[2] <= '4') {
    c.kind = Kind::kRegular;
    c.index = rest[2] - '0';
  } else {
    return std::nullopt;
  }
  return c;
}

std::string Column::to_string() const {
  std::string s = "HK" + std::to_string(term) + ".";
  switch (kind) {
    case Kind::kRegular: return s + "TX" + std::to_string(index);
    case Kind::kMidTerm: return s + "GK";
    case Kind::kEndTerm: return s + "CK";
  }
  return s;
}

int regular_assessments(bool scored, int periods_per_year) {
  if (!scored) return 2;
  if (periods_per_year <= 35) return 2;
  if (periods_per_year <= 70) return 3;
  return 4;
}

Result<std::string> normalize_cell_value(const protocol::SubjectInfo& subject, std::string_view column,
                                         std::string_view value) {
  auto col = Column::parse(column);
  if (!col) {
    return Status(ErrorCode::kInvalidValue,
                  "cột \"" + std::string(column) + "\" không hợp lệ (dùng HK1.TX1…HK1.TX4, HK1.GK, HK1.CK, HK2.…)");
  }
  const int tx = regular_assessments(subject.scored, subject.periods_per_year);
  if (col->kind == Column::Kind::kRegular && col->index > tx) {
    return Status(ErrorCode::kInvalidValue, "môn " + subject.name + " chỉ có " + std::to_string(tx) +
                                                " cột đánh giá thường xuyên mỗi học kì, không có cột " +
                                                std::string(column));
  }
  if (value.empty()) return std::string();
  if (subject.scored) {
    auto mark = Mark::parse(value);
    if (!mark) {
      return Status(ErrorCode::kInvalidValue, "điểm \"" + std::string(value) +
                                                  "\" không hợp lệ: điểm phải từ 0 đến 10, tối đa một chữ số thập phân");
    }
    return mark->to_string();
  }
  if (value == "Đ" || value == "đ" || value == "Đạt" || value == "đạt") return std::string("Đ");
  if (value == "CĐ" || value == "cđ" || value == "Cđ" || value == "Chưa đạt" || value == "chưa đạt")
    return std::string("CĐ");
  return Status(ErrorCode::kInvalidValue, "môn " + subject.name + " đánh giá bằng nhận xét: nhập Đ (Đạt) hoặc CĐ (Chưa đạt), không phải \"" +
                                              std::string(value) + "\"");
}

}  // namespace sodiem
