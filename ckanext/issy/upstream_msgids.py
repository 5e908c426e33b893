"""English msgids of CKAN, ckanext-harvest and ckanext-dcat that the portal
translates itself.

CKAN's French catalogue leaves some of its own strings untranslated ("Skip to
main content"); ckanext-harvest and ckanext-dcat ship no French at all. CKAN merges the
catalogue of every plugin implementing ``ITranslation`` over its own, in the
reverse order of ``ckan.plugins``, the later one winning (Flask-Babel's
``Translations.merge``): ckanext-issy's catalogue, whose plugins come first,
is merged last and its French wins on every page, whichever package renders
the string. Untranslated entries are not compiled into a ``.mo``, so CKAN's
empty msgstrs shadow nothing.

Nothing imports this module at run time: ``make i18n`` extracts the msgids
below into the ``ckanext-issy`` catalogue, where they are translated like the
extension's own (docs/translations.md, "Strings of CKAN and
ckanext-harvest"). tests/i18n/test_i18n_pages.py finds the ones a page shows
untranslated; tests/i18n/test_i18n_upstream.py checks that ckanext-harvest is
translated in full.
"""
from __future__ import annotations


def _(message: str) -> str:
    """Marks a msgid for extraction; the text is translated where CKAN or
    ckanext-harvest renders it."""
    return message


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a msgid with a plural form for extraction."""
    return singular, plural


# CKAN 2.11 and 2.12 strings shown on the portal's pages that CKAN's French
# catalogue leaves empty (some are new in 2.12).
CKAN = (
    _("Skip to main content"),
    # The 404 page of a dataset that does not exist (theme/errors.py keeps a view's message).
    _("Dataset not found or you have no permission to view it"),
    # The resource page's link to its dataset: CKAN's French keeps the English
    # colon (no non-breaking space).
    _('Source: <a href="%(url)s">%(dataset)s</a>'),
    # The label of a custom field (an extra) in the dataset form.
    _("Key"),
    _("Breadcrumb"),
    _("Account"),
    _("Toggle navigation"),
    _("Profile settings"),
    _("View dashboard"),
    _("Navigate to Home - {site_title}"),
    _("Search Datasets..."),
    # The search pages' link that removes an applied filter (CKAN 2.12), read by screen readers.
    _("Remove applied filter: {value}"),
    # TRANSLATORS: the accessible name of the search button.
    _("Submit"),
    _("close"),
    _("Close"),
    _("Close modal"),
    _("Username or Email"),
    _("Profile picture"),
    _("Profile picture URL"),
    _("Request Reset"),
    _("Navigate to dataset: {title}"),
    _("There is no description for this dataset"),
    _("There is no description for this dataset."),
    _("Search datasets with the tag: {tag}"),
    _("Search datasets with the tag: {name}"),
    _("Unlink {name} from the dataset"),
    _("Current resource: {name}"),
    _("Navigate to resource: {name_or_id}"),
    _("Navigate to resource: {name}"),
    _("Resource URL: {url}"),
    _("Dataset description:"),
    _("Open details page for {name}"),
    ngettext("{num} Member", "{num} Members"),
    _("0 Members"),
    _("X"),
    _("Facebook"),
    _("CSV"),
    _("JSON"),
    # TRANSLATORS: a column of the data dictionary: the field's identifier.
    _("ID"),
    # TRANSLATORS: the button of a table view that fits the columns to their text.
    _("Refit"),
    # The activity streams (ckanext-activity).
    _("All activity types"),
    _("No activity found"),
    _("No activity found for this type"),
    _("Activity occurred on: {time}"),
    _("View this version"),
    # TRANSLATORS: {dataset_type} is "dataset" (« jeu de données ») or "Harvest".
    _("{actor} created the {dataset_type} {dataset}"),
    _("{actor} updated the {dataset_type} {dataset}"),
    _("{actor} deleted the {dataset_type} {dataset}"),
    _("{actor} created resource view {view_link}"),
    _("{actor} updated resource view {view_link}"),
    _('{actor} deleted resource view "{view_title}" for resource {resource_link}'),
    # The DataStore's "Data API" page of a resource.
    _("Access resource data via a web API with powerful query support."),
    _('Further information in the <a href="%(url)s" target="_blank">main CKAN Data API '
      'and DataStore documentation</a>.</p>'),
    _("Code examples:"),
    _('(using the <a href="%(url)s">ckanapi</a> client library)'),
    _('Get 5 results containing "jones" in any field:'),
    _('Get results with either "watershed" or "survey" as subject and "active" as its stage:'),
)

# CKAN strings whose French translation is wrong, translated again.
CKAN_CORRECTED = (
    # The search pages' button on a phone: CKAN's French drops the accent ("resultats").
    _("Filter Results"),
    # The sort control's button, shown without JavaScript: CKAN's French keeps "Go".
    _("Go"),
)

# The rows of a resource's "Additional information" table: CKAN shows each
# field's name as is; the theme's package/resource_read.html passes the
# capitalised name through gettext ("Id" is in HARVEST).
RESOURCE_FIELDS = (
    _("Cache last updated"),
    _("Cache url"),
    _("Datastore active"),
    _("Datastore contains all records of source"),
    _("Has views"),
    _("Hash"),
    # TRANSLATORS: a resource's role in a dataset made by the city's harvesters
    # ("data": the normalised table, "source": the file as published).
    _("Issy role"),
    _("Media type"),
    _("Mimetype"),
    _("Mimetype inner"),
    _("Package id"),
    _("Position"),
    _("Resource type"),
    _("Tracking summary"),
    _("Url type"),
)

# Every msgid of ckanext-harvest (1.6) that CKAN's French does not translate.
HARVEST = (
    _("Harvest"),
    _("Harvest Sources"),
    _("Harvest sources"),
    _("Add Harvest Source"),
    _("Create Harvest Source"),
    _("Create harvest source"),
    _("Edit harvest source"),
    _("View harvest source"),
    _("Harvest sources allow importing remote metadata into this catalog. Remote sources can be "
      "other catalogs such as other CKAN instances, CSW servers or Web Accessible Folders (WAF) "
      "(depending on the actual harvesters enabled for this instance)."),
    _("Search harvest sources..."),
    ngettext('{number} harvest source found for "{query}"', '{number} harvest sources found for "{query}"'),
    _('Sorry no harvest sources found for "{query}"'),
    ngettext("{number} harvest source found", "{number} harvest sources found"),
    _("Sorry no harvest sources found"),
    _("There is no description for this harvest source"),
    _("There are no datasets associated to this harvest source."),
    _("This should include the http:// part of the URL"),
    _("Update frequency"),
    _("Configuration"),
    _("No organization"),
    _("Delete source"),
    _("Delete and clear source"),
    _("This will flag the source as deleted but keep all its datasets and previous jobs. Are you "
      "sure you want to delete this harvest source?"),
    _("Warning: Apart from deleting this source, this command will remove all its datasets, as "
      "well as all previous job reports. Are you sure you want to continue?"),
    _("Last Harvest Job"),
    _("View full job report"),
    _("No jobs yet for this source"),
    _("Start a new harvesting job for this harvest source now"),
    _("This will re-run the harvesting for this source. Any updates at the source will overwrite "
      "the local datasets. Sources with a large number of datasets may take a significant amount "
      "of time to finish harvesting. Please confirm you would like us to start reharvesting."),
    _("Reharvest"),
    _("Stop"),
    _("Clear"),
    _("Delete all harvest jobs and existing datasets from this source"),
    _("Warning: This will remove all datasets for this source, as well as all previous job "
      "reports. Are you sure you want to continue?"),
    _("Jobs"),
    _("Harvest Jobs"),
    _("Job: "),
    _("Started:"),
    _("Finished:"),
    _("Not yet"),
    _("Job Report"),
    _("Back to job list"),
    _("Id"),
    # TRANSLATORS: the column of the time a harvest job started.
    _("Started"),
    # TRANSLATORS: the column of the time a harvest job finished, and its status.
    _("Finished"),
    # TRANSLATORS: "3 errors" in a harvest job's counts.
    _("errors"),
    _("Error Summary"),
    _("No errors for this job"),
    _("Only the 20 most frequent errors are shown"),
    _("Job Errors"),
    _("Document Errors"),
    _("Document Error"),
    _("Error Report"),
    # TRANSLATORS: "3 documents with errors" in a harvest job report.
    _("documents with errors"),
    _("Count"),
    _("Message"),
    _("Remote content"),
    _("Local content"),
    _("No content found"),
    _("Harvest source not found"),
    _("Harvest job not found"),
    _("Harvest job stopped"),
    _("Harvest will start shortly. Refresh this page for updates."),
    _('Cannot create new harvest jobs on inactive sources. First, please change the source '
      'status to "active".'),
    _("A harvest job has already been scheduled for this source"),
    _("Harvest source cleared"),
    _("Harvesting source successfully cleared"),
    _("Harvesting source successfully inactivated"),
    _("User {0} not authorized to create harvest sources"),
    _("User not authorized to create a job for source {0}"),
    _("Only sysadmins can create harvest jobs for all sources"),
    _("Only the sysadmins can create harvest objects"),
    _("User {0} not authorized to delete harvest source {1}"),
    _("User {0} not authorized to read harvest source {1}"),
    _("User {0} not authorized to see jobs from source {1}"),
    _("User {0} not authorized to list jobs for source {1}"),
    _("User {0} not authorized to update harvest source {1}"),
    _("Only sysadmins can clear history for all harvest jobs"),
    _("Only sysadmins can reimport all harvest objects"),
    _("Only sysadmins can run the pending harvest jobs"),
    _("Only sysadmins can reindex all harvest sources"),
)

# Strings that ckanext-harvest and CKAN pass to gettext as variables, so
# that no catalogue lists them: a job's counts and status
# (snippets/job_details.html, source/job/list.html), the update frequencies
# (helpers.harvest_frequencies), the facet titles of /harvest (plugin.py,
# translated by the theme's source/search.html) and the result counts of
# CKAN's snippets/search_result_text.html for the dataset type "harvest".
HARVEST_DYNAMIC = (
    # TRANSLATORS: "3 added" in a harvest job's counts (datasets).
    _("added"),
    _("updated"),
    _("deleted"),
    _("not modified"),
    # TRANSLATORS: the status of a harvest job (« Nouvelle » tâche).
    _("New"),
    _("Running"),
    _("Aborted"),
    _("Manual"),
    _("Monthly"),
    _("Weekly"),
    _("Biweekly"),
    _("Daily"),
    _("Always"),
    _("Frequency"),
    ngettext("{number} harvest found", "{number} harvests found"),
    _("No harvests found"),
    ngettext('{number} harvest found for "{query}"', '{number} harvests found for "{query}"'),
    _('No harvests found for "{query}"'),
)

# ckanext-dcat, which ships no French: the labels its after_dataset_show
# gives the extras of a dataset shown on a page (ckanext/dcat/utils.py,
# field_labels), e.g. in the "All the metadata" table.
DCAT = (
    _("URI"),
    _("GUID"),
    _("Theme"),
    _("Identifier"),
    _("Alternate identifier"),
    _("Issued"),
    _("Modified"),
    _("Version notes"),
    _("Language"),
    _("Frequency"),
    _("Conforms to"),
    _("Spatial URI"),
    _("Start of temporal extent"),
    _("End of temporal extent"),
    _("Publisher URI"),
    _("Publisher name"),
    _("Publisher email"),
    _("Publisher URL"),
    _("Publisher type"),
    _("Publisher identifier"),
    _("Creator URI"),
    _("Creator name"),
    _("Creator email"),
    _("Creator URL"),
    _("Creator type"),
    _("Creator identifier"),
    _("Contact name"),
    _("Contact email"),
    _("Contact URI"),
    _("Download URL"),
    _("Media type"),
    _("Size"),
    _("Rights"),
    _("Created"),
)
