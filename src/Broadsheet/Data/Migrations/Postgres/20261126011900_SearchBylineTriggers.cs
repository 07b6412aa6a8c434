using Broadsheet.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Broadsheet.Data.Migrations.Postgres
{
    /// <summary>
    /// Renaming or deleting a tag or an author, or taking one off a post, re-writes the tags and
    /// authors text of the affected posts' search documents in the same transaction, however it was
    /// done (EF, ExecuteUpdate/ExecuteDelete, or the database's own cascade); the generated tsvector
    /// follows. The text is built as <c>PostSearchSource</c> builds it. No model change.
    /// </summary>
    [DbContext(typeof(PostgresBroadsheetDb))]
    [Migration("20261126011900_SearchBylineTriggers")]
    public partial class SearchBylineTriggers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION search_refresh_tags(post_ids integer[]) RETURNS void LANGUAGE sql AS $$
                    UPDATE search_documents d SET
                        tags = coalesce((SELECT string_agg(replace(replace(t."Name", chr(1), ' '), chr(2), ' '), E'\n' ORDER BY upper(t."Name"), t."Id")
                                         FROM "PostTags" pt JOIN "Tags" t ON t."Id" = pt."TagsId" WHERE pt."PostsId" = d.record_id), ''),
                        tag_slugs = '|' || coalesce((SELECT string_agg(t."Slug", '|' ORDER BY upper(t."Name"), t."Id")
                                         FROM "PostTags" pt JOIN "Tags" t ON t."Id" = pt."TagsId" WHERE pt."PostsId" = d.record_id), '') || '|'
                    WHERE d.source = 'post' AND d.record_id = ANY(post_ids);
                $$;
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION search_refresh_authors(post_ids integer[]) RETURNS void LANGUAGE sql AS $$
                    UPDATE search_documents d SET
                        authors = coalesce((SELECT string_agg(replace(replace(a."DisplayName", chr(1), ' '), chr(2), ' '), E'\n' ORDER BY pa."Position")
                                            FROM "PostAuthors" pa JOIN "Authors" a ON a."Id" = pa."AuthorId" WHERE pa."PostId" = d.record_id), '')
                    WHERE d.source = 'post' AND d.record_id = ANY(post_ids);
                $$;
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION search_bylines_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_TABLE_NAME = 'Tags' THEN
                        PERFORM search_refresh_tags(ARRAY(SELECT "PostsId" FROM "PostTags" WHERE "TagsId" = NEW."Id"));
                    ELSIF TG_TABLE_NAME = 'PostTags' THEN
                        PERFORM search_refresh_tags(ARRAY[OLD."PostsId"]);
                    ELSIF TG_TABLE_NAME = 'Authors' THEN
                        PERFORM search_refresh_authors(ARRAY(SELECT "PostId" FROM "PostAuthors" WHERE "AuthorId" = NEW."Id"));
                    ELSE
                        PERFORM search_refresh_authors(ARRAY[OLD."PostId"]);
                    END IF;
                    RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""CREATE TRIGGER tags_search_rename AFTER UPDATE OF "Name", "Slug" ON "Tags" FOR EACH ROW EXECUTE FUNCTION search_bylines_changed();""");
            // A deleted tag's or author's links go by the foreign key's cascade, which fires these too.
            migrationBuilder.Sql("""CREATE TRIGGER post_tags_search_delete AFTER DELETE ON "PostTags" FOR EACH ROW EXECUTE FUNCTION search_bylines_changed();""");
            migrationBuilder.Sql("""CREATE TRIGGER authors_search_rename AFTER UPDATE OF "DisplayName" ON "Authors" FOR EACH ROW EXECUTE FUNCTION search_bylines_changed();""");
            migrationBuilder.Sql("""CREATE TRIGGER post_authors_search_delete AFTER DELETE ON "PostAuthors" FOR EACH ROW EXECUTE FUNCTION search_bylines_changed();""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS post_authors_search_delete ON "PostAuthors";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS authors_search_rename ON "Authors";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS post_tags_search_delete ON "PostTags";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS tags_search_rename ON "Tags";""");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS search_bylines_changed();");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS search_refresh_authors(integer[]);");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS search_refresh_tags(integer[]);");
        }
    }
}
