// Hand-derived checks of runtime::evaluate, one per layer kind, plus error paths.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // designated Layer{} literals
#include "echoelml/runtime/evaluate.h"

#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "echoelml/core/error.h"

namespace echoelml::runtime {
namespace {

ModelSpec one_layer(Layer l, Shape in, Shape out) {
  ModelSpec s;
  s.name = "t";
  s.inputs = {{"x", in, ""}};
  l.name = "l";
  l.inputs = {"x"};
  l.output = "y";
  s.layers = {l};
  s.outputs = {{"y", out, ""}};
  return s;
}

std::vector<float> run1(const ModelSpec& s, Tensor x) { return evaluate(s, {{"x", x}}).at("y").values; }

TEST(Evaluate, DenseComputesWxPlusBThenRelu) {
  Layer l{.kind = LayerKind::Dense, .activation = Activation::Relu,
          .params = {{{2, 3}, {1, 2, 3, -1, -1, -1}}, {{2}, {0.5f, 1.0f}}}};
  auto y = run1(one_layer(l, {3}, {2}), {{3}, {1, 2, 3}});
  // row 0: 1+4+9+0.5 = 14.5; row 1: -6+1 = -5 -> relu 0
  EXPECT_FLOAT_EQ(y[0], 14.5f);
  EXPECT_FLOAT_EQ(y[1], 0.0f);
}

TEST(Evaluate, DenseIsTimeDistributedOverRows) {
  Layer l{.kind = LayerKind::Dense, .params = {{{1, 2}, {2, -1}}, {{1}, {1}}}};
  auto y = run1(one_layer(l, {3, 2}, {3, 1}), {{3, 2}, {1, 1, 2, 0, 0, 5}});
  EXPECT_FLOAT_EQ(y[0], 2.0f);   // 2-1+1
  EXPECT_FLOAT_EQ(y[1], 5.0f);   // 4+1
  EXPECT_FLOAT_EQ(y[2], -4.0f);  // -5+1
}

TEST(Evaluate, ActivationsMatchTheirFormulas) {
  for (auto [act, f] : {std::pair{Activation::Sigmoid, +[](double v) { return 1 / (1 + std::exp(-v)); }},
                        std::pair{Activation::Tanh, +[](double v) { return std::tanh(v); }},
                        std::pair{Activation::Linear, +[](double v) { return v; }}}) {
    Layer l{.kind = LayerKind::Activation, .activation = act};
    auto y = run1(one_layer(l, {3}, {3}), {{3}, {-2, 0, 1.5f}});
    EXPECT_NEAR(y[0], f(-2), 1e-7);
    EXPECT_NEAR(y[1], f(0), 1e-7);
    EXPECT_NEAR(y[2], f(1.5), 1e-7);
  }
}

TEST(Evaluate, SoftmaxRowsSumToOneAndKeepOrder) {
  Layer l{.kind = LayerKind::Softmax};
  auto y = run1(one_layer(l, {2, 3}, {2, 3}), {{2, 3}, {1, 2, 3, 1000, 1000, 1000}});
  EXPECT_NEAR(y[0] + y[1] + y[2], 1.0, 1e-6);
  EXPECT_NEAR(y[2] / y[1], std::exp(1.0), 1e-5);
  EXPECT_NEAR(y[3], 1.0 / 3, 1e-7);  // large equal logits do not overflow
}

TEST(Evaluate, ScaleAndBiasPerChannelAndBroadcast) {
  Layer l{.kind = LayerKind::Scale, .params = {{{2}, {2, 10}}, {{1}, {1}}}};
  auto y = run1(one_layer(l, {2, 2}, {2, 2}), {{2, 2}, {1, 2, 3, 4}});
  EXPECT_EQ(y, (std::vector<float>{3, 21, 7, 41}));
}

TEST(Evaluate, RepeatCopiesTheVector) {
  Layer l{.kind = LayerKind::Repeat, .repeats = 3};
  auto y = run1(one_layer(l, {2}, {3, 2}), {{2}, {4, 5}});
  EXPECT_EQ(y, (std::vector<float>{4, 5, 4, 5, 4, 5}));
}

TEST(Evaluate, ConcatJoinsLastAxisInInputOrder) {
  ModelSpec s;
  s.name = "c";
  s.inputs = {{"a", {2}, ""}, {"b", {1}, ""}};
  s.layers = {Layer{.kind = LayerKind::Concat, .name = "c", .inputs = {"b", "a"}, .output = "y"}};
  s.outputs = {{"y", {3}, ""}};
  auto y = evaluate(s, {{"a", {{2}, {1, 2}}}, {"b", {{1}, {9}}}}).at("y").values;
  EXPECT_EQ(y, (std::vector<float>{9, 1, 2}));
}

TEST(Evaluate, ReduceMaxKeepsALastAxisOfOne) {
  Layer l{.kind = LayerKind::ReduceMax};
  auto r = evaluate(one_layer(l, {2, 3}, {2, 1}), {{"x", {{2, 3}, {1, 7, 3, -4, -2, -9}}}}).at("y");
  EXPECT_EQ(r.shape, (Shape{2, 1}));
  EXPECT_EQ(r.values, (std::vector<float>{7, -2}));
}

// One hidden unit, input size 1, two steps, computed here from the PyTorch equations.
TEST(Evaluate, LstmTwoStepsMatchHandComputation) {
  // gate rows i, f, g, o
  std::vector<float> wih{0.5f, -0.3f, 0.8f, 0.2f}, whh{0.1f, 0.4f, -0.6f, 0.7f}, b{0.05f, 0.2f, -0.1f, 0.3f};
  Layer l{.kind = LayerKind::Lstm, .params = {{{4, 1}, wih}, {{4, 1}, whh}, {{4}, b}}, .hidden = 1};
  auto y = run1(one_layer(l, {2, 1}, {2, 1}), {{2, 1}, {1.0f, -2.0f}});
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  double h = 0, c = 0;
  std::vector<double> expect;
  for (double x : {1.0, -2.0}) {
    double i = sig(0.5 * x + 0.1 * h + 0.05), f = sig(-0.3 * x + 0.4 * h + 0.2);
    double g = std::tanh(0.8 * x - 0.6 * h - 0.1), o = sig(0.2 * x + 0.7 * h + 0.3);
    c = f * c + i * g;
    h = o * std::tanh(c);
    expect.push_back(h);
  }
  EXPECT_NEAR(y[0], expect[0], 1e-6);
  EXPECT_NEAR(y[1], expect[1], 1e-6);
}

TEST(Evaluate, ChainedLayersPassBlobsByName) {
  ModelSpec s = one_layer(Layer{.kind = LayerKind::Dense, .params = {{{2, 1}, {1, -1}}, {{2}, {0, 0}}}}, {1}, {});
  s.layers.push_back(Layer{.kind = LayerKind::Softmax, .name = "sm", .inputs = {"y"}, .output = "p"});
  s.outputs = {{"p", {2}, ""}};
  auto p = evaluate(s, {{"x", {{1}, {1}}}}).at("p").values;
  EXPECT_NEAR(p[0], std::exp(1.0) / (std::exp(1.0) + std::exp(-1.0)), 1e-7);
}

TEST(EvaluateErrors, WrongInputShapeIsNamed) {
  auto s = one_layer(Layer{.kind = LayerKind::Softmax}, {3}, {3});
  try {
    evaluate(s, {{"x", {{4}, {1, 2, 3, 4}}}});
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("input 'x' has shape [4], expected [3]"), std::string::npos) << e.what();
  }
}

TEST(EvaluateErrors, MissingAndUnknownInputsThrow) {
  auto s = one_layer(Layer{.kind = LayerKind::Softmax}, {1}, {1});
  EXPECT_THROW(evaluate(s, {}), ParameterError);
  EXPECT_THROW(evaluate(s, {{"x", {{1}, {1}}}, {"z", {{1}, {1}}}}), ParameterError);
}

TEST(EvaluateErrors, BadParameterShapesAreRejected) {
  Layer dense{.kind = LayerKind::Dense, .params = {{{2, 3}, std::vector<float>(6)}, {{3}, std::vector<float>(3)}}};
  EXPECT_THROW(infer_shapes(one_layer(dense, {3}, {2})), ParameterError);
  Layer lstm{.kind = LayerKind::Lstm, .params = {{{4, 1}, std::vector<float>(4)}}, .hidden = 1};
  EXPECT_THROW(infer_shapes(one_layer(lstm, {2, 1}, {2, 1})), ParameterError);
  Layer rep{.kind = LayerKind::Repeat, .repeats = 0};
  EXPECT_THROW(infer_shapes(one_layer(rep, {2}, {})), ParameterError);
}

TEST(EvaluateErrors, UndefinedBlobAndWrongDeclaredOutputShape) {
  auto s = one_layer(Layer{.kind = LayerKind::Softmax}, {3}, {3});
  s.layers[0].inputs = {"nope"};
  EXPECT_THROW(infer_shapes(s), ParameterError);
  EXPECT_THROW(infer_shapes(one_layer(Layer{.kind = LayerKind::Softmax}, {3}, {4})), ParameterError);
}

}  // namespace
}  // namespace echoelml::runtime
