using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Postgres;

/// <summary>
/// Names every table and column in snake_case, as the SQL migrations do, unless a mapping set a name.
/// (EFCore.NamingConventions is not in the package registry here; this is its one rule we need.)
/// </summary>
public static class SnakeCaseNaming
{
    public static ModelBuilder UseSnakeCaseNames(this ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                if (property.GetColumnName() == property.Name)
                    property.SetColumnName(ToSnakeCase(property.Name));
            }
        }

        return modelBuilder;
    }

    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var startsWord = i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (startsWord)
                    builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
                builder.Append(c);
        }

        return builder.ToString();
    }
}
