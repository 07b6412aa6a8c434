using Broadsheet.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Broadsheet.Data.Migrations.Sqlite
{
    /// <summary>
    /// Renaming or deleting a tag or an author, or taking one off a post, re-writes the tags and
    /// authors text of the affected posts' search documents in the same transaction, however it was
    /// done (EF, ExecuteUpdate/ExecuteDelete, or the database's own cascade), so search never finds a
    /// post by a name it no longer carries. The text is built as <c>PostSearchSource</c> builds it: tag
    /// names (highlight markers blanked) ordered case-insensitively, with their slugs in the same order;
    /// author names in byline order. No model change.
    /// </summary>
    [DbContext(typeof(SqliteBroadsheetDb))]
    [Migration("20261126011900_SearchBylineTriggers")]
    public partial class SearchBylineTriggers : Migration
    {
        private const string RefreshTags = """
            UPDATE search_documents SET
                tags = coalesce((SELECT group_concat(replace(replace(t."Name", char(1), ' '), char(2), ' '), char(10) ORDER BY upper(t."Name"), t."Id")
                                 FROM "PostTags" pt JOIN "Tags" t ON t."Id" = pt."TagsId" WHERE pt."PostsId" = search_documents.record_id), ''),
                tag_slugs = '|' || coalesce((SELECT group_concat(t."Slug", '|' ORDER BY upper(t."Name"), t."Id")
                                 FROM "PostTags" pt JOIN "Tags" t ON t."Id" = pt."TagsId" WHERE pt."PostsId" = search_documents.record_id), '') || '|'
            """;

        private const string RefreshAuthors = """
            UPDATE search_documents SET
                authors = coalesce((SELECT group_concat(replace(replace(a."DisplayName", char(1), ' '), char(2), ' '), char(10) ORDER BY pa."Position")
                                    FROM "PostAuthors" pa JOIN "Authors" a ON a."Id" = pa."AuthorId" WHERE pa."PostId" = search_documents.record_id), '')
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"""
                CREATE TRIGGER tags_search_rename AFTER UPDATE OF "Name", "Slug" ON "Tags" BEGIN
                    {RefreshTags}
                    WHERE source = 'post' AND record_id IN (SELECT "PostsId" FROM "PostTags" WHERE "TagsId" = new."Id");
                END;
                """);
            // A deleted tag's links go by the foreign key's cascade, which fires this too.
            migrationBuilder.Sql($"""
                CREATE TRIGGER post_tags_search_delete AFTER DELETE ON "PostTags" BEGIN
                    {RefreshTags}
                    WHERE source = 'post' AND record_id = old."PostsId";
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER authors_search_rename AFTER UPDATE OF "DisplayName" ON "Authors" BEGIN
                    {RefreshAuthors}
                    WHERE source = 'post' AND record_id IN (SELECT "PostId" FROM "PostAuthors" WHERE "AuthorId" = new."Id");
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER post_authors_search_delete AFTER DELETE ON "PostAuthors" BEGIN
                    {RefreshAuthors}
                    WHERE source = 'post' AND record_id = old."PostId";
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS post_authors_search_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS authors_search_rename;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS post_tags_search_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS tags_search_rename;");
        }
    }
}
