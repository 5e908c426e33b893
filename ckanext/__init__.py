# Namespace package shared by every CKAN extension (pkgutil style, as CKAN's
# extension template does), so ckanext-issy installs beside other ckanext-*.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)
