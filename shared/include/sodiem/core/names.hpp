// Vietnamese class-list order: by given name (the last word), then middle
// names, then family name, compared with ICU's "vi" collator (a < ă < â,
// đ after d, tone marks secondary). Construct once, reuse; a NameOrder is
// not thread-safe (ICU collators are not).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sodiem {

class NameOrder {
 public:
  NameOrder();
  ~NameOrder();
  NameOrder(const NameOrder&) = delete;
  NameOrder& operator=(const NameOrder&) = delete;

  // True if full name a sorts before b on a class list.
  bool less(std::string_view a, std::string_view b) const;
  // Sorts items by a name projection, stably (ties keep their order).
  template <typename T, typename Proj>
  void sort(std::vector<T>& items, Proj name_of) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sodiem

#include <algorithm>

template <typename T, typename Proj>
void sodiem::NameOrder::sort(std::vector<T>& items, Proj name_of) const {
  std::stable_sort(items.begin(), items.end(), [&](const T& x, const T& y) { return less(name_of(x), name_of(y)); });
}
