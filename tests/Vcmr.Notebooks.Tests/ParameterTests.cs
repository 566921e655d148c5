using System.Globalization;
using Vcmr.Notebooks.Document;
using Vcmr.Notebooks.Execution;

namespace Vcmr.Notebooks.Tests;

/// <summary>--param values: invariant-culture parsing per type, enums resolved by compiling (not running) the setup cells.</summary>
public class ParameterTests
{
    [Theory]
    [InlineData("int", "42", "42")]
    [InlineData("int", " -7 ", "-7")]
    [InlineData("int", "+3", "3")]
    [InlineData("int", "1,000", null)]          // no thousands separators
    [InlineData("int", "2147483648", null)]     // overflow
    [InlineData("int", "0x10", null)]
    [InlineData("Int32", "5", "5")]
    [InlineData("long", "9223372036854775807", "9223372036854775807L")]
    [InlineData("long", "1e3", null)]
    [InlineData("double", "-1.5e-3", "-0.0015d")]
    [InlineData("double", ".5", "0.5d")]
    [InlineData("double", "0,5", null)]         // the decimal mark is always '.'
    [InlineData("double", "1,000.5", null)]
    [InlineData("double", "Infinity", null)]
    [InlineData("double", "1e400", null)]       // overflows to infinity
    [InlineData("float", "0.1", "0.1f")]
    [InlineData("float", "3.4e39", null)]
    [InlineData("bool", "false", "false")]
    [InlineData("bool", "FALSE", "false")]
    [InlineData("bool", "1", null)]
    [InlineData("string", "", "\"\"")]
    [InlineData("string", "line\nbreak", "\"line\\nbreak\"")]
    public void PrimitiveValuesParseWithInvariantRules(string type, string value, string? literal)
    {
        // a culture whose decimal mark is ',' must change nothing
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        var saved = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        try { Assert.Equal(literal, ParameterLiteral.Primitive(type, value)); }
        finally { CultureInfo.CurrentCulture = saved; }
    }

    private static string EnumNotebook(string folder) => TestNotebooks.Write(folder, "enums.ipynb",
        Cell.NewCode("enum Mode { Fast, Careful }", 1),
        Cell.NewCode("Mode mode = Mode.Fast;\nvar day = DayOfWeek.Monday;\nvar attrs = System.IO.FileAttributes.ReadOnly;\nvar n = 3 * 2;\nvar when = DateTime.UnixEpoch;", 2, Parameters.Tag),
        Cell.NewCode("$\"{mode}|{day}|{attrs}|{n}\"", 3));

    [Fact]
    public async Task EnumParametersBecomeTypedMemberAccesses()
    {
        var (code, console, output) = await TestNotebooks.Run([EnumNotebook(TestNotebooks.TempFolder())],
            ["mode=Careful", "day=friday", "attrs=Hidden, System", "n=7"]);
        Assert.True(code == 0, console);
        var nb = TestNotebooks.Executed(output, "enums.ipynb");
        var cells = nb["cells"]!.AsArray();
        Assert.Equal("// Injected parameters\nmode = Mode.Careful;\nday = DayOfWeek.Friday;\n" +
            "attrs = System.IO.FileAttributes.Hidden | System.IO.FileAttributes.System;\nn = 7;", Cell.JoinText(cells[2]!["source"]));
        Assert.Equal("Careful|Friday|Hidden, System|7", (string?)cells[3]!["outputs"]![0]!["data"]!["text/plain"]);
    }

    [Theory]
    [InlineData("mode=Slow", "parameter 'mode': 'Slow' is not a member of Mode (valid: Fast, Careful)")]
    [InlineData("day=Funday", "parameter 'day': 'Funday' is not a member of DayOfWeek (valid: Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday)")]
    [InlineData("n=2.5", "parameter 'n': '2.5' is not a valid int")]
    [InlineData("when=2020-01-01", "parameter 'when': its type DateTime cannot be set from the command line (int, long, double, float, bool, string or an enum)")]
    public async Task ABadEnumOrCompiledTypeValueFailsBeforeAnythingRuns(string pair, string cause)
    {
        string dir = TestNotebooks.TempFolder();
        var (code, console, output) = await TestNotebooks.Run([EnumNotebook(dir)], [pair]);
        Assert.Equal(1, code);
        Assert.Equal($"error: enums.ipynb: cell 2: {cause}", console.Trim());
        Assert.Empty(Directory.GetFiles(output));                        // nothing ran, nothing written
    }

    [Fact]
    public async Task AnEnumWhoseTypeDoesNotCompileIsNamed()
    {
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "broken.ipynb",
            Cell.NewCode("var mode = NoSuchEnum.A;", 1, Parameters.Tag));
        var (code, console, _) = await TestNotebooks.Run([path], ["mode=B"]);
        Assert.Equal(1, code);
        Assert.Equal("error: broken.ipynb: cell 1: parameter 'mode': its type does not compile: cell 1(1,12): error CS0103: The name 'NoSuchEnum' does not exist in the current context", console.Trim());
    }

    [Fact]
    public async Task AModelAssemblyEnumIsCheckedAgainstTheReferencedAssembly()
    {
        Assert.True(File.Exists(RepoPaths.ModelAssembly), $"{RepoPaths.ModelAssembly} is missing: the build writes it");
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "xml.ipynb",
            Cell.NewCode($"#r \"{RepoPaths.ModelAssembly}\"\nusing Vcmr.Models.Xml;", 1),
            Cell.NewCode("var mode = ContextMode.VideoSub;", 2, Parameters.Tag),
            Cell.NewCode("mode.ToString()", 3));
        var (code, console, _) = await TestNotebooks.Run([path], ["mode=Audio"]);
        Assert.Equal(1, code);
        Assert.Equal("error: xml.ipynb: cell 2: parameter 'mode': 'Audio' is not a member of ContextMode (valid: Video, Sub, VideoSub)", console.Trim());

        (code, console, var output) = await TestNotebooks.Run([path], ["mode=Sub"]);
        Assert.True(code == 0, console);
        var cells = TestNotebooks.Executed(output, "xml.ipynb")["cells"]!.AsArray();
        Assert.Equal("// Injected parameters\nmode = ContextMode.Sub;", Cell.JoinText(cells[2]!["source"]));
        Assert.Equal("Sub", (string?)cells[3]!["outputs"]![0]!["data"]!["text/plain"]);
    }

    [Fact]
    public async Task InASuiteEachNotebookGetsTheParametersItDeclares()
    {
        string dir = TestNotebooks.TempFolder();
        TestNotebooks.Write(dir, "a.ipynb", Cell.NewCode("int seed = 1;", 1, Parameters.Tag), Cell.NewCode("seed", 2));
        TestNotebooks.Write(dir, "b.ipynb", Cell.NewCode("int seed = 1;\nint size = 2;", 1, Parameters.Tag), Cell.NewCode("seed * size", 2));
        TestNotebooks.Write(dir, "c.ipynb", Cell.NewCode("5", 1));
        var (code, console, output) = await TestNotebooks.Run([dir], ["seed=3", "size=10"]);
        Assert.True(code == 0, console);
        string Value(string name) => (string)TestNotebooks.Executed(output, name)["cells"]!.AsArray().Last()!["outputs"]![0]!["data"]!["text/html"]!;
        Assert.Contains("<pre>3</pre>", Value("a.ipynb"));
        Assert.Contains("<pre>30</pre>", Value("b.ipynb"));
        Assert.Contains("<pre>5</pre>", Value("c.ipynb"));

        (code, console, _) = await TestNotebooks.Run([dir], ["seed=3", "sise=10"]);
        Assert.Equal(1, code);
        Assert.Equal("error: --param sise: no notebook declares it in a cell tagged 'parameters'", console.Trim());
    }
}
