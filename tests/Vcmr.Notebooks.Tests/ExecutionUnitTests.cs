using Vcmr.Notebooks.Execution;

namespace Vcmr.Notebooks.Tests;

/// <summary>The pieces of cell execution that need no session.</summary>
public class ExecutionUnitTests
{
    [Theory]
    [InlineData("x * 2", true)]
    [InlineData("var y = 1;\ny", true)]
    [InlineData("x += 1;", false)]
    [InlineData("var y = 1;", false)]
    [InlineData("if (true) { }", false)]
    [InlineData("// only a comment", false)]
    public void ATrailingExpressionIsOneWithoutASemicolon(string code, bool expected) =>
        Assert.Equal(expected, ScriptSession.HasTrailingExpression(code));

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
    public void DirectivesAreLiftedOutKeepingLineNumbers()
    {
        var d = CellDirectives.Parse("#i \"nuget: /tmp/feed\"\n#r \"nuget: Foo.Bar, 1.2.3\"\n#r \"nuget:Baz\"\n#r \"local.dll\"\nvar x = 1;");
        Assert.Equal([new PackageReference("Foo.Bar", "1.2.3"), new PackageReference("Baz", null)], d.Packages);
        Assert.Equal(["/tmp/feed"], d.Sources);
        Assert.Equal("\n\n\n#r \"local.dll\"\nvar x = 1;", d.Code);
    }

    [Fact]
    public void ParamPairsNeedAName() =>
        Assert.Equal("--param '=3': expected name=value", Assert.Throws<ArgumentException>(() => Parameters.ParsePairs(["=3"])).Message);

    [Fact]
    public void PackageRequestsGrowByCellAndRefuseASecondVersion()
    {
        var first = PackageRequests.None("/nb").With(CellDirectives.Parse("#i \"feed\"\n#r \"nuget: A, 1.0.0\""));
        var second = first.With(CellDirectives.Parse("#i \"nuget: /nb/feed\"\n#r \"nuget: a, 1.0.0\"\n#r \"nuget: B\""));
        Assert.Equal([new PackageReference("A", "1.0.0"), new PackageReference("B", null)], second.Packages);
        Assert.Equal(["/nb/feed"], second.Sources);                        // relative to the notebook, once
        var e = Assert.Throws<InvalidOperationException>(() => second.With(CellDirectives.Parse("#r \"nuget: A, 2.0.0\"")));
        Assert.Equal("A version 2.0.0 cannot be added because version 1.0.0 was added previously", e.Message);
    }
}
