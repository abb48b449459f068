module corral/go-oracle

go 1.21
