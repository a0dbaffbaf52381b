#include "url.hpp"

#include "../common/check.hpp"

GST_START_TEST(test_placeholder) {
  fail_unless(true);
}
GST_END_TEST;

static Suite* url_suite() {
  Suite* s = suite_create("url");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_placeholder);
  return s;
}

GST_CHECK_MAIN(url);
