using Vcmr.Notebooks.Execution;

namespace Vcmr.Notebooks.Tests;

/// <summary>The pieces of the runner that need no kernel: parameter literals and declarations.</summary>
public class ExecutionUnitTests
{
    [Theory]
    [InlineData("int", "42", "42")]
    [InlineData("long", "-3", "-3L")]
    [InlineData("double", "0.25", "0.25d")]
    [InlineData("float", "1e3", "1000f")]
    [InlineData("bool", "True", "true")]
    [InlineData("string", "a\"b\\", "\"a\\\"b\\\\\"")]
    [InlineData("int", "4.5", null)]
    [InlineData("double", "NaN", null)]
    [InlineData("bool", "yes", null)]
    [InlineData("DateTime", "2020-01-01", null)]
    public void ParameterValuesBecomeLiteralsOfTheDeclaredType(string type, string value, string? literal) =>
        Assert.Equal(literal, ParameterLiteral.Primitive(type, value));

    [Fact]
    public void DeclarationsResolveVarFromTheLiteral()
    {
        var declared = Parameters.Declarations("int seed = 2018;\nvar device = \"auto\";\nvar lr = 1e-3;\nconst bool Fast = true;");
        Assert.Equal("int", declared["seed"]);
        Assert.Equal("string", declared["device"]);
        Assert.Equal("double", declared["lr"]);
        Assert.Equal("bool", declared["Fast"]);
    }

    [Fact]
    public void ParamPairsNeedAName() =>
        Assert.Equal("--param '=3': expected name=value", Assert.Throws<ArgumentException>(() => Parameters.ParsePairs(["=3"])).Message);
}
