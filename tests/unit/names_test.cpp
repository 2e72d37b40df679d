// Vietnamese class-list order with ICU's collator.
#include <catch2/catch.hpp>

#include "sodiem/core/names.hpp"

using sodiem::NameOrder;

TEST_CASE("class lists sort by given name, then middle, then family, the Vietnamese way", "[unit]") {
  NameOrder order;
  std::vector<std::string> names = {"Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Đức Anh",    "Phạm Minh Đạt",
                                    "Hoàng Thị An",  "Vũ Văn Dũng",    "Nguyễn Văn An", "Đỗ Thị Ân", "Bùi Thu Ăn"};
  order.sort(names, [](const std::string& s) -> const std::string& { return s; });
  // a < ă < â at the first level; tone marks are secondary (Anh < Ánh);
  // đ sorts after d; ties on given name fall to the middle, then the family name.
  const std::vector<std::string> want = {"Hoàng Thị An", "Nguyễn Văn An", "Lê Đức Anh", "Nguyễn Thị Ánh",
                                         "Bùi Thu Ăn",   "Đỗ Thị Ân",     "Trần Văn Bình", "Vũ Văn Dũng",
                                         "Phạm Minh Đạt"};
  CHECK(names == want);
  CHECK(order.less("Nguyễn Văn Dũng", "Nguyễn Văn Đạt"));
  CHECK_FALSE(order.less("Nguyễn Văn Đạt", "Nguyễn Văn Dũng"));
  CHECK(order.less("Lê An", "Trần An"));  // same given name, no middle: by family name
}
