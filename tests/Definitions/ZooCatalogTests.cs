using System;
using System.Linq;
using System.Reflection;
using NetCompiler.Definitions;
using Xunit;

namespace NetCompiler.Tests.Definitions;

public class ZooCatalogTests
{
    [Fact]
    public void Every_network_of_the_zoo_is_in_the_catalog_and_creates_its_own_type()
    {
        var networks = typeof(ZooCatalog).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<NetworkAttribute>() is not null)
            .Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var listed = ZooCatalog.All.Select(e => e.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(networks, listed);
        foreach (var entry in ZooCatalog.All)
            Assert.Equal(entry.Name, entry.Create(3).GetType().Name);
    }

    [Fact]
    public void Find_is_case_insensitive_and_lists_the_names_when_it_fails()
    {
        Assert.Equal("WideMlpNet", ZooCatalog.Find("widemlpnet").Name);
        var e = Assert.Throws<ArgumentException>(() => ZooCatalog.Find("NoSuchNet"));
        Assert.Contains("NoSuchNet", e.Message);
        Assert.Contains("Seed001MnistNet", e.Message);
    }

    [Fact]
    public void The_default_network_exists() => Assert.Equal(ZooCatalog.DefaultNetwork, ZooCatalog.Find(ZooCatalog.DefaultNetwork).Name);
}
