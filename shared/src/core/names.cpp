#include "sodiem/core/names.hpp"

#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace sodiem {

struct NameOrder::Impl {
  std::unique_ptr<icu::Collator> collator;
};

namespace {
struct Parts {
  std::string given, middle, family;
};
Parts split(std::string_view full) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < full.size()) {
    while (i < full.size() && full[i] == ' ') ++i;
    std::size_t j = i;
    while (j < full.size() && full[j] != ' ') ++j;
    if (j > i) words.push_back(full.substr(i, j - i));
    i = j;
  }
  Parts p;
  if (words.empty()) return p;
  p.given = std::string(words.back());
  if (words.size() >= 2) p.family = std::string(words.front());
  for (std::size_t k = 1; k + 1 < words.size(); ++k) p.middle += (p.middle.empty() ? "" : " ") + std::string(words[k]);
  return p;
}
}  // namespace

NameOrder::NameOrder() : impl_(std::make_unique<Impl>()) {
  UErrorCode status = U_ZERO_ERROR;
  impl_->collator.reset(icu::Collator::createInstance(icu::Locale("vi"), status));
  if (U_FAILURE(status) || !impl_->collator) throw std::runtime_error("ICU: no Vietnamese collator");
}
NameOrder::~NameOrder() = default;

bool NameOrder::less(std::string_view a, std::string_view b) const {
  const Parts pa = split(a), pb = split(b);
  auto cmp = [&](const std::string& x, const std::string& y) {
    UErrorCode status = U_ZERO_ERROR;
    return impl_->collator->compareUTF8(x, y, status);
  };
  for (auto [x, y] : {std::pair{&pa.given, &pb.given}, std::pair{&pa.middle, &pb.middle},
                      std::pair{&pa.family, &pb.family}}) {
    const auto r = cmp(*x, *y);
    if (r != UCOL_EQUAL) return r == UCOL_LESS;
  }
  return false;
}

}  // namespace sodiem
