module corral/name-oracle

go 1.21
