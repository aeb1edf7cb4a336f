#include "echoelml/data/csv.h"

#include <gtest/gtest.h>

#include "echoelml/core/error.h"

namespace echoelml::data {
namespace {

using Fields = std::vector<std::string>;

TEST(ParseCsv, QuotedFieldsKeepCommasQuotesAndLineBreaks) {
  auto t = parse_csv("file,techniques\n\"a, b.wav\",\"x \"\"y\"\"\"\n\"multi\nline\",z\nlast,1\n", "t.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"a, b.wav", "x \"y\""}));
  EXPECT_EQ(t.rows[1].fields, (Fields{"multi\nline", "z"}));
  EXPECT_EQ(t.rows[1].line, 3u);
  EXPECT_EQ(t.rows[2].line, 5u);  // the quoted line break advanced the line count
  EXPECT_TRUE(t.problems.empty());
}

TEST(ParseCsv, BomCrlfCrAndBlankLinesAreHandled) {
  auto t = parse_csv("\xEF\xBB\xBF" "File , Genre\r\n a.wav , jazz \r\n\r\n\rb.wav,rock\rc.wav,edm", "t.csv");
  EXPECT_EQ(t.header, (Fields{"File", "Genre"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"a.wav", "jazz"}));
  EXPECT_EQ(t.rows[1].fields, (Fields{"b.wav", "rock"}));
  EXPECT_EQ(t.rows[1].line, 5u);
  EXPECT_EQ(t.rows[2].fields, (Fields{"c.wav", "edm"}));
  EXPECT_EQ(t.column("genre"), 1u);
  EXPECT_FALSE(t.column("tempo").has_value());
}

TEST(ParseCsv, MalformedRecordsAreReportedWithTheirLineAndSkipped) {
  auto t = parse_csv("a,b\n1,2\n\"x\"y,3\n1,2,3\n4\n5,6\n\"open,7\n8,9\n", "t.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(t.rows[1].fields, (Fields{"5", "6"}));
  ASSERT_EQ(t.problems.size(), 4u);
  EXPECT_EQ(t.problems[0].line, 3u);
  EXPECT_NE(t.problems[0].message.find("after a closing quote"), std::string::npos);
  EXPECT_EQ(t.problems[1].line, 4u);
  EXPECT_EQ(t.problems[2].line, 5u);
  EXPECT_EQ(t.problems[3].line, 7u);  // the unclosed quote swallows the rest of the file
  EXPECT_NE(t.problems[3].message.find("never closed"), std::string::npos);
}

TEST(ParseCsv, QuotedFieldsKeepTheirSpacesAndEmptyFieldsExist) {
  auto t = parse_csv("a,b,c\n\" x \",,\n", "t.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{" x ", "", ""}));
}

TEST(ParseCsv, EmptyInputHasNoHeaderAndThrows) {
  EXPECT_THROW(parse_csv("", "empty.csv"), FormatError);
  EXPECT_THROW(parse_csv("\xEF\xBB\xBF\n\n", "empty.csv"), FormatError);
  try {
    parse_csv("", "labels/empty.csv");
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("labels/empty.csv"), std::string::npos);
  }
}

TEST(CsvLine, RoundTripsThroughTheParser) {
  Fields fields = {"plain", "with,comma", "with \"quote\"", "two\nlines", " padded ", ""};
  auto t = parse_csv(csv_line({"a", "b", "c", "d", "e", "f"}) + csv_line(fields), "rt.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, fields);
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a\"b"), "\"a\"\"b\"");
}

TEST(ReadCsv, MissingFileThrowsIoErrorNamingIt) {
  try {
    read_csv("/nonexistent/labels.csv");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/labels.csv"), std::string::npos);
  }
}

}  // namespace
}  // namespace echoelml::data
