using Broadsheet.Features.Search;

namespace Broadsheet.Tests.Search;

/// <summary>The reader's text becomes words, phrases and prefixes, and nothing else.</summary>
public sealed class SearchQueryTests
{
    [Theory]
    [InlineData("Peace march", "peace march")]
    [InlineData("\"peace march\" vigil", "\"peace march\" vigil")]
    [InlineData("\"unbalanced quote", "\"unbalanced quote\"")]
    [InlineData("campaign* a*", "campaign* a")]
    [InlineData("NEAR(peace war) AND vigil OR march NOT -rally", "peace war vigil march rally")]
    [InlineData("title:peace^2 (war)", "title peace 2 war")]
    [InlineData("*\"\"-:^()", "")]
    [InlineData("السلام عليكم", "السلام عليكم")]
    [InlineData("peace peace PEACE", "peace")]
    public void Reduces_input_to_words_phrases_and_prefixes(string input, string expected) =>
        Assert.Equal(expected, SearchQuery.Parse(input).ToString());

    [Fact]
    public void Long_input_is_capped()
    {
        var query = SearchQuery.Parse(string.Join(' ', Enumerable.Range(0, 500).Select(i => $"word{i}")));
        Assert.Equal(SearchQuery.MaxTerms, query.Terms.Count);
        Assert.All(SearchQuery.Parse(new string('x', 10_000)).Terms, t => Assert.Equal(SearchQuery.MaxWordLength, t.Words[0].Length));
    }

    [Fact]
    public void Fts5_match_quotes_every_term()
    {
        Assert.Equal("\"near\" \"peace war\" \"camp\"*", SqliteSearchIndex.Match(SearchQuery.Parse("near \"peace war\" camp*")));
    }
}
