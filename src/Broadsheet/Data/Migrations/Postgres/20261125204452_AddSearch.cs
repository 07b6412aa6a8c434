using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Broadsheet.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Search (see Features/Search/PostgresSearchIndex.cs): one row per record, with a stored
            // generated tsvector (title A, tags and authors B, body D) under a GIN index.
            migrationBuilder.Sql("""
                CREATE TABLE search_documents (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    source text NOT NULL,
                    record_id integer NOT NULL,
                    kind text NOT NULL,
                    title text NOT NULL,
                    body text NOT NULL,
                    tags text NOT NULL,
                    authors text NOT NULL,
                    tag_slugs text NOT NULL,
                    url text NULL,
                    published_at timestamp with time zone NULL,
                    year integer NULL,
                    is_public boolean NOT NULL,
                    document tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', title), 'A') ||
                        setweight(to_tsvector('english', tags || ' ' || authors), 'B') ||
                        setweight(to_tsvector('english', body), 'D')) STORED,
                    UNIQUE (source, record_id)
                );
                """);
            migrationBuilder.Sql("CREATE INDEX ix_search_documents_document ON search_documents USING GIN (document);");
            // A deleted post leaves the index in the same transaction, however it was deleted (ExecuteDelete too);
            // a post whose status or date changes behind EF's back (ExecuteUpdate) is public or not accordingly.
            migrationBuilder.Sql("""
                CREATE FUNCTION search_posts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        DELETE FROM search_documents WHERE source = 'post' AND record_id = OLD."Id";
                        RETURN OLD;
                    END IF;
                    UPDATE search_documents
                    SET is_public = NEW."Status" IN (1, 2), published_at = NEW."PublishedAt", year = NEW."ArchiveMonth" / 100
                    WHERE source = 'post' AND record_id = NEW."Id";
                    RETURN NEW;
                END $$;
                """);
            migrationBuilder.Sql("""CREATE TRIGGER posts_search_delete AFTER DELETE ON "Posts" FOR EACH ROW EXECUTE FUNCTION search_posts_changed();""");
            migrationBuilder.Sql("""CREATE TRIGGER posts_search_visibility AFTER UPDATE OF "Status", "PublishedAt", "ArchiveMonth" ON "Posts" FOR EACH ROW EXECUTE FUNCTION search_posts_changed();""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS posts_search_visibility ON "Posts";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS posts_search_delete ON "Posts";""");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS search_posts_changed();");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_documents;");
        }
    }
}
