using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Broadsheet.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchFilterIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Search ranking joins every match to its filter columns (see SqliteSearchIndex, which names
            // this index with INDEXED BY); a covering index holds them in a few pages instead of one
            // wide row (with the body) per match, so searches for common words stay fast.
            migrationBuilder.Sql("CREATE INDEX search_documents_filters ON search_documents (id, is_public, published_at, kind, year, tag_slugs);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS search_documents_filters;");
        }
    }
}
